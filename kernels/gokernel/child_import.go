package gokernel

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"

	"github.com/lakebook/lakebook/kernels/gokernel/nb"
	"github.com/traefik/yaegi/stdlib"
)

// preferredImport settles the package names the standard library has twice.
var preferredImport = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"scanner":  "text/scanner",
}

// stdlibByName maps a standard library package name to its import path, for the names that
// are unambiguous or settled by preferredImport.
var stdlibByName = func() map[string]string {
	paths := map[string][]string{}
	for k := range stdlib.Symbols {
		p, name := path.Dir(k), path.Base(k)
		if strings.Contains(p, "internal") || strings.HasPrefix(p, "vendor/") {
			continue
		}
		paths[name] = append(paths[name], p)
	}
	m := map[string]string{}
	for name, ps := range paths {
		switch {
		case preferredImport[name] != "":
			m[name] = preferredImport[name]
		case len(ps) == 1:
			m[name] = ps[0]
		}
	}
	m["nb"] = nb.Path // lakebook's own package, imported on first use like the standard library
	return m
}()

// importUsed imports the standard library packages a paragraph uses without importing them:
// selector bases like fmt in fmt.Println that the parser could not resolve and that the
// paragraph does not import. A global variable of the same name still wins over the package.
func (c *child) importUsed(p *paragraph) {
	own := map[string]bool{}
	var want []string
	visit := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			name, _ := importName(n)
			own[name] = true
		case *ast.SelectorExpr:
			if id, ok := n.X.(*ast.Ident); ok && id.Obj == nil {
				if p := stdlibByName[id.Name]; p != "" && c.imports[id.Name] == "" {
					want = append(want, id.Name)
				}
			}
		}
		return true
	}
	if p.decls != nil {
		ast.Inspect(p.decls, visit)
	}
	if p.stmts != nil {
		ast.Inspect(p.stmts, visit)
	}
	for _, name := range want {
		if !own[name] {
			c.importPackage(stdlibByName[name])
		}
	}
}

// dropImported removes from the paragraph's declarations the imports made by earlier runs:
// yaegi rejects importing a package twice, and running a paragraph again is common.
func (c *child) dropImported(f *ast.File) {
	decls := f.Decls[:0]
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			decls = append(decls, d)
			continue
		}
		specs := g.Specs[:0]
		for _, s := range g.Specs {
			name, p := importName(s.(*ast.ImportSpec))
			if c.imports[name] != p {
				specs = append(specs, s)
			}
		}
		if g.Specs = specs; len(specs) > 0 {
			decls = append(decls, g)
		}
	}
	f.Decls = decls
}

// noteImports records the imports of a paragraph whose declarations were evaluated.
func (c *child) noteImports(f *ast.File) {
	for _, s := range f.Imports {
		name, p := importName(s)
		c.imports[name] = p
	}
}

func importName(s *ast.ImportSpec) (name, importPath string) {
	importPath, _ = strconv.Unquote(s.Path.Value)
	name = path.Base(importPath)
	if s.Name != nil {
		name = s.Name.Name
	}
	return name, importPath
}

// autoImport imports the standard library package an "undefined: name" compile error is
// about, so that `fmt.Println(x)` works without `import "fmt"` as in most notebooks. It reports
// whether it imported something, after which the compile is worth retrying.
func (c *child) autoImport(err error) bool {
	name, ok := strings.CutPrefix(err.Error(), "undefined: ")
	if !ok {
		// The message starts with a position.
		if i := strings.Index(err.Error(), ": undefined: "); i >= 0 {
			name, ok = err.Error()[i+len(": undefined: "):], true
		}
	}
	p := stdlibByName[name]
	if !ok || p == "" {
		return false
	}
	return c.importPackage(p)
}

// importPackage imports the package with path p, under its name, for every later paragraph.
func (c *child) importPackage(p string) bool {
	if c.imports[path.Base(p)] != "" {
		return false
	}
	f, perr := parser.ParseFile(c.i.FileSet(), srcName, "package main; import "+strconv.Quote(p), 0)
	if perr != nil {
		return false
	}
	prog, cerr := c.compile(ast.Node(f))
	if cerr != nil {
		return false
	}
	if _, err := c.i.Execute(prog); err != nil {
		return false
	}
	c.imports[path.Base(p)] = p
	return true
}
