// Completion helpers without the editor, so they can be tested alone.

/** completionType maps a kernel's item kind to CodeMirror's icon names. */
export function completionType(kind: string | undefined): string | undefined {
  switch (kind) {
    case 'package':
      return 'namespace';
    case 'table':
      return 'class';
    case 'column':
      return 'property';
    default:
      return kind;
  }
}

/** tabCompletes reports whether Tab at the cursor should complete rather than indent: right
 * after part of a name or a dot. */
export function tabCompletes(before: string): boolean {
  return /[\p{L}\p{N}_.]$/u.test(before);
}
