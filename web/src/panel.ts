// A side panel (History, Catalog): hidden until toggled, refreshed each time it opens.
export abstract class SidePanel {
  protected el!: HTMLElement;

  get visible(): boolean {
    return !this.el.hidden;
  }

  toggle(): void {
    if (this.el.hidden) void this.show();
    else this.hide();
  }

  hide(): void {
    this.el.hidden = true;
  }

  async show(): Promise<void> {
    this.el.hidden = false;
    await this.refresh();
  }

  abstract refresh(): Promise<void>;
}
