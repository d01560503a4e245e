package deploy_test

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/stockflow/stockflow/deploy"
	"github.com/stockflow/stockflow/system"
)

const namespace = "stockflow"

// shutdownTimeout is STOCKFLOW_SHUTDOWN_TIMEOUT's default: pods must be
// given longer than that to stop.
const shutdownTimeout = 30 * time.Second

func loadManifests(t *testing.T) *deploy.Manifests {
	t.Helper()
	m, err := deploy.LoadManifests("k8s")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// config is the stockflow ConfigMap every pod reads.
func config(t *testing.T, m *deploy.Manifests) map[string]string {
	t.Helper()
	for _, cm := range m.ConfigMaps {
		if cm.Name == "stockflow" {
			return cm.Data
		}
	}
	t.Fatal("no ConfigMap stockflow")
	return nil
}

func TestK8sEveryProcessorIsAStatefulSet(t *testing.T) {
	m := loadManifests(t)
	partitions, err := strconv.Atoi(config(t, m)["STOCKFLOW_PARTITIONS"])
	if err != nil {
		t.Fatalf("STOCKFLOW_PARTITIONS: %v", err)
	}
	for _, name := range system.ProcessorNames() {
		t.Run(name, func(t *testing.T) {
			i := slices.IndexFunc(m.StatefulSets, func(s appsv1.StatefulSet) bool {
				return len(s.Spec.Template.Spec.Containers) > 0 && slices.Equal(s.Spec.Template.Spec.Containers[0].Args, []string{"process", name})
			})
			if i < 0 {
				t.Fatalf("no StatefulSet runs [process %s]", name)
			}
			s := m.StatefulSets[i]
			if s.Name != "stockflow-"+name {
				t.Errorf("StatefulSet %s runs %s: name it stockflow-%s", s.Name, name, name)
			}
			if r := s.Spec.Replicas; r != nil && int(*r) > partitions {
				t.Errorf("%d replicas but %d partitions: the extra replicas sit idle", *r, partitions)
			}
			checkSelector(t, s.Spec.Selector.MatchLabels, s.Spec.Template.Labels)
			checkHeadlessService(t, m, s)
			checkStateVolume(t, s, config(t, m)["STOCKFLOW_DATA_DIR"])
		})
	}
}

func checkSelector(t *testing.T, selector, podLabels map[string]string) {
	t.Helper()
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(podLabels)) {
		t.Errorf("selector %v does not select the pod template's labels %v", selector, podLabels)
	}
}

func checkHeadlessService(t *testing.T, m *deploy.Manifests, s appsv1.StatefulSet) {
	t.Helper()
	i := slices.IndexFunc(m.Services, func(svc corev1.Service) bool { return svc.Name == s.Spec.ServiceName })
	if i < 0 {
		t.Errorf("serviceName %q: no such Service", s.Spec.ServiceName)
		return
	}
	svc := m.Services[i]
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("Service %s must be headless (clusterIP: None) for a StatefulSet", svc.Name)
	}
	checkSelector(t, svc.Spec.Selector, s.Spec.Template.Labels)
}

// checkStateVolume: each replica keeps its local tables on its own
// PersistentVolume mounted at the data directory.
func checkStateVolume(t *testing.T, s appsv1.StatefulSet, dataDir string) {
	t.Helper()
	c := s.Spec.Template.Spec.Containers[0]
	i := slices.IndexFunc(c.VolumeMounts, func(v corev1.VolumeMount) bool { return v.MountPath == dataDir })
	if i < 0 {
		t.Errorf("container %s mounts nothing at STOCKFLOW_DATA_DIR %q", c.Name, dataDir)
		return
	}
	claim := c.VolumeMounts[i].Name
	j := slices.IndexFunc(s.Spec.VolumeClaimTemplates, func(p corev1.PersistentVolumeClaim) bool { return p.Name == claim })
	if j < 0 {
		t.Errorf("volume %s at %s is not a volumeClaimTemplate: replicas would lose or share their local tables", claim, dataDir)
		return
	}
	if q, ok := s.Spec.VolumeClaimTemplates[j].Spec.Resources.Requests[corev1.ResourceStorage]; !ok || q.IsZero() {
		t.Errorf("volumeClaimTemplate %s requests no storage", claim)
	}
	if s.Spec.Template.Spec.SecurityContext == nil || s.Spec.Template.Spec.SecurityContext.FSGroup == nil {
		t.Error("no fsGroup: the nonroot user cannot write the volume")
	}
}

func TestK8sPodsAreProbedAndSized(t *testing.T) {
	m := loadManifests(t)
	_, port, err := net.SplitHostPort(config(t, m)["STOCKFLOW_HTTP_ADDR"])
	if err != nil {
		t.Fatalf("STOCKFLOW_HTTP_ADDR: %v", err)
	}
	for _, w := range m.Workloads() {
		t.Run(w.Kind+"/"+w.Name, func(t *testing.T) {
			if w.Pod.Namespace != "" && w.Pod.Namespace != namespace {
				t.Errorf("pod template in namespace %s", w.Pod.Namespace)
			}
			for _, c := range w.Pod.Spec.Containers {
				checkResources(t, c)
				if w.Kind == "Job" {
					continue
				}
				checkProbe(t, c, c.ReadinessProbe, "/readyz", port)
				checkProbe(t, c, c.LivenessProbe, "/healthz", port)
			}
			if w.Kind != "Job" {
				grace := w.Pod.Spec.TerminationGracePeriodSeconds
				if grace == nil || time.Duration(*grace)*time.Second <= shutdownTimeout {
					t.Errorf("terminationGracePeriodSeconds must exceed the %s shutdown timeout", shutdownTimeout)
				}
			}
		})
	}
}

func checkResources(t *testing.T, c corev1.Container) {
	t.Helper()
	req := c.Resources.Requests
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := req[r]; !ok || q.IsZero() {
			t.Errorf("container %s requests no %s", c.Name, r)
		}
	}
	if lim, ok := c.Resources.Limits[corev1.ResourceMemory]; ok && lim.Cmp(req[corev1.ResourceMemory]) < 0 {
		t.Errorf("container %s: memory limit %s below its request %s", c.Name, lim.String(), req.Memory().String())
	}
}

func checkProbe(t *testing.T, c corev1.Container, p *corev1.Probe, path, port string) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("container %s: no HTTP probe on %s", c.Name, path)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("container %s: probe on %s, want %s", c.Name, p.HTTPGet.Path, path)
	}
	if got := containerPort(c, p.HTTPGet.Port.String()); got != port {
		t.Errorf("container %s: probe port %s resolves to %q, but stockflow serves HTTP on %s", c.Name, p.HTTPGet.Port.String(), got, port)
	}
}

// containerPort resolves a probe's port (a number or a port name).
func containerPort(c corev1.Container, port string) string {
	for _, p := range c.Ports {
		if p.Name == port {
			return fmt.Sprint(p.ContainerPort)
		}
	}
	return port
}

func TestK8sObjectsShareOneNamespace(t *testing.T) {
	m := loadManifests(t)
	if len(m.Namespaces) != 1 || m.Namespaces[0].Name != namespace {
		t.Fatalf("want one Namespace %s", namespace)
	}
	names := map[string]string{}
	add := func(kind, ns, name string) {
		if ns != namespace {
			t.Errorf("%s %s is in namespace %q, want %s", kind, name, ns, namespace)
		}
		if names[kind+"/"+name] != "" {
			t.Errorf("%s %s defined twice", kind, name)
		}
		names[kind+"/"+name] = ns
	}
	for _, o := range m.ConfigMaps {
		add("ConfigMap", o.Namespace, o.Name)
	}
	for _, o := range m.Secrets {
		add("Secret", o.Namespace, o.Name)
	}
	for _, o := range m.Services {
		add("Service", o.Namespace, o.Name)
	}
	for _, o := range m.Deployments {
		add("Deployment", o.Namespace, o.Name)
		checkSelector(t, o.Spec.Selector.MatchLabels, o.Spec.Template.Labels)
	}
	for _, o := range m.StatefulSets {
		add("StatefulSet", o.Namespace, o.Name)
	}
	for _, o := range m.Jobs {
		add("Job", o.Namespace, o.Name)
	}
}
