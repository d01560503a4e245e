package deploy_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/stockflow/stockflow/deploy"
	"github.com/stockflow/stockflow/system"
)

// stockflowPort is the port every stockflow part serves HTTP on in a
// container (STOCKFLOW_HTTP_ADDR=:8080 in the Dockerfile).
const stockflowPort = 8080

// dataDir is the local state directory of a stockflow container
// (STOCKFLOW_DATA_DIR in the Dockerfile).
const dataDir = "/data"

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := deploy.LoadCompose(context.Background(), "../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestComposeRunsEveryProcessorOnce(t *testing.T) {
	p := loadCompose(t)
	runs := map[string][]string{} // processor -> services running it
	for svc, cmd := range deploy.ComposeCommands(p) {
		if len(cmd) > 0 && cmd[0] == "process" {
			if len(cmd) == 1 {
				t.Errorf("service %s runs every processor: give each group its own service so it scales alone", svc)
			}
			for _, name := range cmd[1:] {
				runs[name] = append(runs[name], svc)
			}
		}
	}
	for _, name := range system.ProcessorNames() {
		if len(runs[name]) != 1 {
			t.Errorf("processor %s is run by services %v, want exactly one", name, runs[name])
		}
		delete(runs, name)
	}
	for name, svcs := range runs {
		t.Errorf("services %v run unknown processor %q (known: %v)", svcs, name, system.ProcessorNames())
	}
}

func TestComposePortsReachListeners(t *testing.T) {
	p := loadCompose(t)
	published := map[string]string{}
	for name, svc := range p.Services {
		for _, port := range svc.Ports {
			if other, dup := published[port.Published]; dup {
				t.Errorf("host port %s published by both %s and %s", port.Published, other, name)
			}
			published[port.Published] = name
			if err := listens(svc, port.Target); err != nil {
				t.Errorf("service %s publishes %s->%d: %v", name, port.Published, port.Target, err)
			}
		}
	}
}

// listens checks that svc listens on a container port, for the images whose
// listeners are configured in the compose file.
func listens(svc types.ServiceConfig, port uint32) error {
	switch {
	case svc.Image == deploy.StockflowImage:
		if port != stockflowPort {
			return fmt.Errorf("stockflow serves HTTP on %d only", stockflowPort)
		}
	case strings.HasPrefix(svc.Image, "apache/kafka"):
		if !slices.Contains(listenerPorts(env(svc, "KAFKA_LISTENERS")), fmt.Sprint(port)) {
			return fmt.Errorf("not among KAFKA_LISTENERS %q", env(svc, "KAFKA_LISTENERS"))
		}
	}
	return nil
}

func env(svc types.ServiceConfig, key string) string {
	if v := svc.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// listenerPorts returns the ports of a Kafka listener list such as
// "PLAINTEXT://:9092,CONTROLLER://:9093".
func listenerPorts(listeners string) []string {
	var ports []string
	for _, l := range strings.Split(listeners, ",") {
		_, hostPort, _ := strings.Cut(l, "://")
		if _, port, err := net.SplitHostPort(hostPort); err == nil {
			ports = append(ports, port)
		}
	}
	return ports
}

func TestComposeDependenciesCanBeMet(t *testing.T) {
	p := loadCompose(t)
	for name, svc := range p.Services {
		for dep, d := range svc.DependsOn {
			target, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s depends on missing service %s", name, dep)
				continue
			}
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
					t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
				}
			case types.ServiceConditionCompletedSuccessfully:
				if target.Restart != types.RestartPolicyNo {
					t.Errorf("%s waits for %s to complete, but %s restarts (%q)", name, dep, dep, target.Restart)
				}
			}
		}
	}
}

func TestComposeHealthchecksProbeTheService(t *testing.T) {
	p := loadCompose(t)
	for name, svc := range p.Services {
		hc := svc.HealthCheck
		if hc == nil || hc.Disable {
			continue
		}
		if len(hc.Test) < 2 || hc.Test[0] != "CMD" {
			t.Errorf("%s: healthcheck %v: want the exec form [CMD, ...] (images may have no shell)", name, hc.Test)
		}
		if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil {
			t.Errorf("%s: healthcheck needs interval, timeout and retries", name)
		}
		if strings.HasPrefix(svc.Image, "apache/kafka") {
			i := slices.Index(hc.Test, "--bootstrap-server")
			if i < 0 || i+1 >= len(hc.Test) {
				t.Errorf("%s: healthcheck %v names no --bootstrap-server", name, hc.Test)
				continue
			}
			_, port, _ := net.SplitHostPort(hc.Test[i+1])
			if !slices.Contains(listenerPorts(env(svc, "KAFKA_LISTENERS")), port) {
				t.Errorf("%s: healthcheck probes port %s, not a listener (%s)", name, port, env(svc, "KAFKA_LISTENERS"))
			}
		}
	}
}

func TestComposeProcessorsKeepStateInOwnVolume(t *testing.T) {
	p := loadCompose(t)
	owner := map[string]string{}
	for svc, cmd := range deploy.ComposeCommands(p) {
		if len(cmd) == 0 || cmd[0] != "process" {
			continue
		}
		i := slices.IndexFunc(p.Services[svc].Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == dataDir })
		if i < 0 {
			t.Errorf("processor service %s mounts no volume at %s: every restart would re-read its tables", svc, dataDir)
			continue
		}
		v := p.Services[svc].Volumes[i]
		if v.Type != types.VolumeTypeVolume {
			t.Errorf("processor service %s: %s is a %s, want a named volume", svc, dataDir, v.Type)
		}
		if other, dup := owner[v.Source]; dup {
			t.Errorf("volume %s is shared by %s and %s: local tables of different groups or replicas must not mix", v.Source, other, svc)
		}
		owner[v.Source] = svc
	}
}

func TestComposeStockflowServicesShareBrokers(t *testing.T) {
	p := loadCompose(t)
	kafka, ok := p.Services["kafka"]
	if !ok {
		t.Fatal("no kafka service")
	}
	for svc := range deploy.ComposeCommands(p) {
		brokers := env(p.Services[svc], "STOCKFLOW_BROKERS")
		for _, b := range strings.Split(brokers, ",") {
			host, port, err := net.SplitHostPort(b)
			if err != nil || host != "kafka" || !slices.Contains(listenerPorts(env(kafka, "KAFKA_LISTENERS")), port) {
				t.Errorf("%s: STOCKFLOW_BROKERS=%q: want kafka:<a listener port>", svc, brokers)
			}
		}
		if _, ok := p.Services[svc].DependsOn["kafka"]; !ok && svc != "topics" {
			if _, ok := p.Services[svc].DependsOn["topics"]; !ok {
				t.Errorf("%s starts without waiting for kafka or topics", svc)
			}
		}
	}
}
