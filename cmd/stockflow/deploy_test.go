package main

import (
	"context"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
	corev1 "k8s.io/api/core/v1"

	"github.com/stockflow/stockflow/deploy"
	"github.com/stockflow/stockflow/system"
)

// workload is one stockflow process a deployment artifact starts.
type workload struct {
	args []string
	env  map[string]string
}

// TestDeployedCommandsParse runs every stockflow command line of
// docker-compose.yml and deploy/k8s, with its environment, through the real
// CLI parser and Config.Validate, so a renamed subcommand, processor, flag
// or environment variable breaks the build instead of a deployment.
func TestDeployedCommandsParse(t *testing.T) {
	for name, w := range deployedWorkloads(t) {
		t.Run(name, func(t *testing.T) {
			unsetStockflowEnv(t)
			known := knownEnv()
			for k, v := range w.env {
				if strings.HasPrefix(k, "STOCKFLOW_") && !slices.Contains(known, k) {
					t.Errorf("environment %s is not a stockflow setting (known: %v)", k, known)
				}
				t.Setenv(k, v)
			}
			var c cli
			parser, err := kong.New(&c, kong.Name("stockflow"), kong.BindTo(context.Background(), (*context.Context)(nil)))
			if err != nil {
				t.Fatal(err)
			}
			kctx, err := parser.Parse(w.args)
			if err != nil {
				t.Fatalf("stockflow %v: %v", w.args, err)
			}
			if err := c.Config.Validate(); err != nil {
				t.Errorf("stockflow %v: invalid settings: %v", w.args, err)
			}
			checkCommand(t, kctx.Command(), c)
		})
	}
}

func checkCommand(t *testing.T, command string, c cli) {
	t.Helper()
	switch command {
	case "api":
		if c.TokenKey == "" {
			t.Error("api without STOCKFLOW_TOKEN_KEY refuses to start")
		}
	case "process <names>":
		if len(c.Process.Names) == 0 {
			t.Error("process without names runs every group in one process; name one group per workload")
		}
		for _, n := range c.Process.Names {
			if !slices.Contains(system.ProcessorNames(), n) {
				t.Errorf("unknown processor %q (known: %v)", n, system.ProcessorNames())
			}
		}
	case "sink clickhouse":
		if c.ClickHouseAddr == "" {
			t.Error("sink clickhouse without STOCKFLOW_CLICKHOUSE_ADDR has nowhere to write")
		}
	case "topics":
	default:
		t.Errorf("command %q is not one a deployment should run (api, process <name>, sink clickhouse, topics)", command)
	}
	if len(c.Brokers) == 0 {
		t.Error("no STOCKFLOW_BROKERS: every command outside dev needs them")
	}
}

func deployedWorkloads(t *testing.T) map[string]workload {
	t.Helper()
	out := map[string]workload{}
	p, err := deploy.LoadCompose(context.Background(), "../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range deploy.ComposeCommands(p) {
		env := map[string]string{}
		for k, v := range p.Services[name].Environment {
			if v != nil {
				env[k] = *v
			}
		}
		out["compose/"+name] = workload{args: args, env: env}
	}
	m, err := deploy.LoadManifests("../../deploy/k8s")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Workloads() {
		for _, ctr := range w.Pod.Spec.Containers {
			if deploy.IsStockflowImage(ctr.Image) {
				out["k8s/"+w.Kind+"/"+w.Name] = workload{args: ctr.Args, env: containerEnv(t, m, ctr)}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("found no stockflow workloads")
	}
	return out
}

// containerEnv resolves a container's environment from its envFrom
// ConfigMaps and Secrets and its own env values.
func containerEnv(t *testing.T, m *deploy.Manifests, c corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		switch {
		case from.ConfigMapRef != nil:
			i := slices.IndexFunc(m.ConfigMaps, func(cm corev1.ConfigMap) bool { return cm.Name == from.ConfigMapRef.Name })
			if i < 0 {
				t.Fatalf("container %s: ConfigMap %s not in deploy/k8s", c.Name, from.ConfigMapRef.Name)
			}
			for k, v := range m.ConfigMaps[i].Data {
				env[k] = v
			}
		case from.SecretRef != nil:
			i := slices.IndexFunc(m.Secrets, func(s corev1.Secret) bool { return s.Name == from.SecretRef.Name })
			if i < 0 {
				t.Fatalf("container %s: Secret %s not in deploy/k8s", c.Name, from.SecretRef.Name)
			}
			for k, v := range m.Secrets[i].StringData {
				env[k] = v
			}
		}
	}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return env
}

// knownEnv lists every environment variable the CLI reads.
func knownEnv() []string {
	var names []string
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if e := f.Tag.Get("env"); e != "" {
				names = append(names, strings.Split(e, ",")...)
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			}
		}
	}
	walk(reflect.TypeFor[cli]())
	sort.Strings(names)
	return names
}

// unsetStockflowEnv removes STOCKFLOW_* variables of the test's own
// environment for the duration of the test.
func unsetStockflowEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "STOCKFLOW_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
}
