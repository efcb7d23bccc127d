package leadline_test

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"

	"github.com/leadline/leadline/lead"
)

var update = flag.Bool("update", false, "rewrite README.md's generated sections")

// The README's state diagram is generated from the transition table, its
// usage snippet is ExampleEngine's body and its retries snippet
// ExampleCommandID's, so none can drift: this test fails when they differ
// (go test -run README -update rewrites them).
func TestREADMEMatchesTheTableAndTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := replaceSection(t, readme, "diagram", "```mermaid\n"+lead.Mermaid()+"```\n")
	want = replaceSection(t, want, "usage", "```go\n"+exampleBody(t, "example_test.go", "ExampleEngine")+"```\n")
	want = replaceSection(t, want, "retries", "```go\n"+exampleBody(t, "example_test.go", "ExampleCommandID")+"```\n")
	if bytes.Equal(readme, want) {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("README.md is out of date with lead.Mermaid() or ExampleEngine; run go test -run README -update")
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

// exampleBody returns the body of function name in file, dedented, without
// its // Output: comment.
func exampleBody(t *testing.T, file, name string) string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != name {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+2 : fset.Position(fn.Body.Rbrace).Offset])
		if k := strings.Index(body, "\t// Output:"); k >= 0 {
			body = body[:k]
		}
		var out strings.Builder
		for _, line := range strings.Split(strings.TrimRight(body, "\n\t "), "\n") {
			out.WriteString(strings.TrimPrefix(line, "\t"))
			out.WriteString("\n")
		}
		return out.String()
	}
	t.Fatalf("%s has no function %s", file, name)
	return ""
}
