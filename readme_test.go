package leadline_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
)

var update = flag.Bool("update", false, "rewrite README.md's generated sections")

// The README's state diagram is generated from the transition table, so
// it cannot drift: this test fails when they differ (go test -run README
// -update rewrites it).
func TestREADMEDiagramIsTheTransitionTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := replaceSection(t, readme, "diagram", "```mermaid\n"+lead.Mermaid()+"```\n")
	if bytes.Equal(readme, want) {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md is out of date with lead.Mermaid(); run go test -run README -update")
}

// replaceSection replaces what stands between <!-- name --> and
// <!-- /name --> in doc.
func replaceSection(t *testing.T, doc []byte, name, body string) []byte {
	t.Helper()
	open, close := "<!-- "+name+" -->\n", "<!-- /"+name+" -->"
	i := bytes.Index(doc, []byte(open))
	j := bytes.Index(doc, []byte(close))
	if i < 0 || j < i {
		t.Fatalf("README.md has no %s section", name)
	}
	var b bytes.Buffer
	b.Write(doc[:i+len(open)])
	b.WriteString(body)
	b.Write(doc[j:])
	return b.Bytes()
}

// readmeBlock is a fenced code block of README.md: its language, the
// line its code starts on, its code, and for a Go program the text
// block after it that README.md says it prints (marked <!-- prints -->).
type readmeBlock struct {
	lang   string
	line   int
	code   string
	prints *readmeBlock
}

func readmeBlocks(t *testing.T) []*readmeBlock {
	t.Helper()
	f, err := os.Open("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []*readmeBlock
	var cur *readmeBlock
	var lastGo *readmeBlock
	marked := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && line == "```":
			if cur.lang == "go" {
				lastGo = cur
			}
			if marked && cur.lang == "text" && lastGo != nil {
				lastGo.prints = cur
			}
			blocks, cur, marked = append(blocks, cur), nil, false
		case cur != nil:
			cur.code += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: n + 1}
		case line == "<!-- prints -->":
			marked = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("README.md:%d: the code block does not end", cur.line-1)
	}
	return blocks
}

// Every Go block of the README is a whole program as a reader copies it:
// package main, its imports, no error dropped. Each is vetted with go vet
// against this module, and type-checked to find errors that are dropped:
// assigned to _, ignored in a call statement or lost in a go statement.
func TestREADMEGoBlocksAreProgramsThatCompileAsPrinted(t *testing.T) {
	var progs []*readmeBlock
	for _, b := range readmeBlocks(t) {
		if b.lang == "go" {
			progs = append(progs, b)
		}
	}
	if len(progs) < 5 {
		t.Fatalf("README.md has %d Go blocks; the usage, SLA, policy file, retries and what-if programs are missing", len(progs))
	}
	dir := t.TempDir()
	fset := token.NewFileSet()
	var files []*ast.File
	starts := map[*ast.File]int{} // the README line each file starts on
	imports := map[string]bool{}
	for i, b := range progs {
		name := filepath.Join(dir, fmt.Sprintf("readme%d", i), "main.go")
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(b.code), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, fmt.Sprintf("block%d", i), b.code, 0)
		if err != nil {
			t.Errorf("README.md:%d: %v", b.line, err)
			continue
		}
		starts[f] = b.line
		hasMain := slices.ContainsFunc(f.Decls, func(d ast.Decl) bool {
			fn, ok := d.(*ast.FuncDecl)
			return ok && fn.Recv == nil && fn.Name.Name == "main"
		})
		if f.Name.Name != "main" || !hasMain {
			t.Errorf("README.md:%d: the block is not a program (package main with func main)", b.line)
		}
		files = append(files, f)
		for _, im := range f.Imports {
			imports[strings.Trim(im.Path.Value, `"`)] = true
		}
		// go vet compiles the file as a program of this module: an
		// import missing or unused, a wrong name or type fails it.
		out, err := exec.Command("go", "vet", name).CombinedOutput()
		if err != nil {
			t.Errorf("README.md:%d: go vet (lines count from the block's first): %v\n%s", b.line, err, bytes.ReplaceAll(out, []byte(name), []byte("block")))
		}
	}
	imp := exportImporter(t, fset, imports)
	for _, f := range files {
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
		conf := types.Config{Importer: imp, Error: func(error) {}}
		if _, err := conf.Check("main", fset, []*ast.File{f}, info); err != nil {
			continue // go vet has reported it
		}
		for _, pos := range droppedErrors(f, info) {
			t.Errorf("README.md:%d: an error is dropped", starts[f]+fset.Position(pos).Line-1)
		}
	}
}

// exportImporter imports packages from the export data go list -export
// writes for them, as the go command compiled them for this module.
func exportImporter(t *testing.T, fset *token.FileSet, imports map[string]bool) types.Importer {
	t.Helper()
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}
	for path := range imports {
		args = append(args, path)
	}
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(out)) {
		path, file, _ := strings.Cut(strings.TrimSpace(line), "\t")
		exports[path] = file
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(exports[path])
	})
}

// droppedErrors returns where f drops an error: a call whose error result
// is ignored (fmt's printing aside) or lost by a go statement, or an
// error assigned to the blank identifier.
func droppedErrors(f *ast.File, info *types.Info) []token.Pos {
	isErr := func(t types.Type) bool { return t != nil && types.Identical(t, types.Universe.Lookup("error").Type()) }
	returnsErr := func(call *ast.CallExpr) bool {
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
			if pkg, ok := info.Uses[sel.Sel].(*types.Func); ok && pkg.Pkg() != nil && pkg.Pkg().Path() == "fmt" {
				return false // printing to stdout; its errors are the terminal's
			}
		}
		switch t := info.Types[call].Type.(type) {
		case *types.Tuple:
			for v := range t.Variables() {
				if isErr(v.Type()) {
					return true
				}
			}
			return false
		default:
			return isErr(t)
		}
	}
	var dropped []token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			if call, ok := n.X.(*ast.CallExpr); ok && returnsErr(call) {
				dropped = append(dropped, n.Pos())
			}
		case *ast.GoStmt:
			if returnsErr(n.Call) {
				dropped = append(dropped, n.Pos())
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				if id, ok := lhs.(*ast.Ident); !ok || id.Name != "_" {
					continue
				}
				var t types.Type
				if len(n.Rhs) == len(n.Lhs) {
					t = info.Types[n.Rhs[i]].Type
				} else if tup, ok := info.Types[n.Rhs[0]].Type.(*types.Tuple); ok && i < tup.Len() {
					t = tup.At(i).Type()
				}
				if isErr(t) {
					dropped = append(dropped, lhs.Pos())
				}
			}
		}
		return true
	})
	return dropped
}

// A Go block followed by a text block marked <!-- prints --> is run, and
// must print that text exactly.
func TestREADMEProgramsPrintWhatTheREADMEShows(t *testing.T) {
	dir := t.TempDir()
	ran := 0
	for i, b := range readmeBlocks(t) {
		if b.lang != "go" || b.prints == nil {
			continue
		}
		ran++
		name := filepath.Join(dir, fmt.Sprintf("readme%d.go", i))
		if err := os.WriteFile(name, []byte(b.code), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("go", "run", name)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("README.md:%d: go run: %v\n%s", b.line, err, stderr.String())
			continue
		}
		if stdout.String() != b.prints.code {
			t.Errorf("README.md:%d: the program prints\n%s\nbut README.md:%d shows\n%s", b.line, stdout.String(), b.prints.line, b.prints.code)
		}
	}
	if ran < 2 {
		t.Errorf("README.md shows the output of %d programs; the usage and retries programs show theirs", ran)
	}
}
