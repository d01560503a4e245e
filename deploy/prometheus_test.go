package deploy_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/stockflow/stockflow/deploy"
)

// promtool returns a promtool binary, installed by scripts/promtool.sh on
// a machine without one (the Debian package prometheus).
func promtool(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("../scripts/promtool.sh").Output()
	if err != nil {
		t.Fatalf("scripts/promtool.sh: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestPromtoolAcceptsConfigRulesAndTheirTests(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "config", "prometheus.yml"}, // also checks the rule files it names
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Expr        string            `json:"expr"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var metricName = regexp.MustCompile(`\bstockflow_[a-z_]+`)

// TestAlertsUseExportedMetricsAndAreTested: an alert on a metric nobody
// exports never fires, and an alert without a promtool test can be wrong
// without anyone noticing.
func TestAlertsUseExportedMetricsAndAreTested(t *testing.T) {
	var rules ruleFile
	readYAML(t, "prometheus/alerts.yml", &rules)
	exported := exportedMetrics(t)
	tested := testedAlerts(t)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			for _, m := range metricName.FindAllString(r.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_count"), "_sum")
				if !exported[base] {
					t.Errorf("alert %s uses %s, which no stockflow code exports", r.Alert, m)
				}
			}
			if r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical" {
				t.Errorf("alert %s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s needs a summary and a description", r.Alert)
			}
			if !tested[r.Alert] {
				t.Errorf("alert %s has no test in prometheus/alerts_test.yml", r.Alert)
			}
		}
	}
}

// exportedMetrics finds every metric name declared in the module's Go code.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	decl := regexp.MustCompile(`(?:Name:\s*|NewDesc\()"(stockflow_[a-z_]+)"`)
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".cache" || d.Name() == "bin" || d.Name() == "data") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("found no metric declarations")
	}
	return names
}

func testedAlerts(t *testing.T) map[string]bool {
	t.Helper()
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `json:"alertname"`
				ExpAlerts []any  `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	readYAML(t, "prometheus/alerts_test.yml", &tests)
	tested := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 { // a test that it fires, not only that it stays quiet
				tested[a.Alertname] = true
			}
		}
	}
	return tested
}

// TestPrometheusScrapesEveryComposeService: every stockflow service of the
// compose file that keeps running is a scrape target, and every target is
// a service.
func TestPrometheusScrapesEveryComposeService(t *testing.T) {
	var cfg struct {
		ScrapeConfigs []struct {
			JobName       string `json:"job_name"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	readYAML(t, "prometheus/prometheus.yml", &cfg)
	p, err := deploy.LoadCompose(context.Background(), "../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		if !strings.HasPrefix(sc.JobName, "stockflow-") {
			continue
		}
		for _, s := range sc.StaticConfigs {
			for _, target := range s.Targets {
				host, _, _ := strings.Cut(target, ":")
				targets = append(targets, host)
				if target != host+":8080" {
					t.Errorf("job %s: target %s: stockflow serves /metrics on :8080", sc.JobName, target)
				}
				if _, ok := p.Services[host]; !ok {
					t.Errorf("job %s: target %s is not a compose service", sc.JobName, target)
				}
			}
		}
	}
	for svc := range deploy.ComposeCommands(p) {
		if p.Services[svc].Restart != "no" && !slices.Contains(targets, svc) {
			t.Errorf("compose service %s is not scraped by any stockflow-* job", svc)
		}
	}
}
