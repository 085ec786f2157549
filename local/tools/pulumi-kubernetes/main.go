// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider. Upstream's own main embeds schema files that
// `go generate` writes and git ignores, so they are not in the module; the build maps the module's schema.json and
// terraform-mapping.json onto the two names below with `go build -overlay` (see local/build_tools.py).
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
