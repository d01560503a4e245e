package deploy

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// StockflowImage is the image every stockflow service of the compose file
// runs (built from the Dockerfile).
const StockflowImage = "stockflow:local"

// LoadCompose loads and validates a compose file with the compose-spec
// loader: the schema, interpolation, and its consistency checks (services
// named in depends_on exist, volumes and networks are declared).
func LoadCompose(ctx context.Context, path string) (*types.Project, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("compose file %s: %w", path, err)
	}
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(abs),
		ConfigFiles: []types.ConfigFile{{Filename: abs}},
		Environment: types.Mapping{},
	}
	p, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName("stockflow", true)
	})
	if err != nil {
		return nil, fmt.Errorf("load compose file %s: %w", path, err)
	}
	return p, nil
}

// ComposeCommands returns the stockflow command line of every compose
// service that runs the stockflow image, by service name.
func ComposeCommands(p *types.Project) map[string][]string {
	cmds := map[string][]string{}
	for name, svc := range p.Services {
		if svc.Image == StockflowImage {
			cmds[name] = append([]string(nil), svc.Command...)
		}
	}
	return cmds
}
