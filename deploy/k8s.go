package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Manifests are the Kubernetes objects of a manifest directory, decoded
// into their typed API structs.
type Manifests struct {
	Namespaces   []corev1.Namespace
	ConfigMaps   []corev1.ConfigMap
	Secrets      []corev1.Secret
	Services     []corev1.Service
	Deployments  []appsv1.Deployment
	StatefulSets []appsv1.StatefulSet
	Jobs         []batchv1.Job
}

// LoadManifests decodes every document of every *.yaml file in dir. A
// document of a kind Manifests does not hold, or a field its API type does
// not have (a typo), is an error.
func LoadManifests(dir string) (*Manifests, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list manifests: %w", err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no *.yaml manifests in %s", dir)
	}
	m := &Manifests{}
	for _, f := range files {
		if err := m.loadFile(f); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Manifests) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read manifest: %w", err)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: document %d: %w", path, i, err)
		}
		if len(strings.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		if err := m.add(doc); err != nil {
			return fmt.Errorf("%s: document %d: %w", path, i, err)
		}
	}
}

func (m *Manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return fmt.Errorf("decode kind: %w", err)
	}
	switch tm.APIVersion + "/" + tm.Kind {
	case "v1/Namespace":
		return decodeInto(doc, &m.Namespaces)
	case "v1/ConfigMap":
		return decodeInto(doc, &m.ConfigMaps)
	case "v1/Secret":
		return decodeInto(doc, &m.Secrets)
	case "v1/Service":
		return decodeInto(doc, &m.Services)
	case "apps/v1/Deployment":
		return decodeInto(doc, &m.Deployments)
	case "apps/v1/StatefulSet":
		return decodeInto(doc, &m.StatefulSets)
	case "batch/v1/Job":
		return decodeInto(doc, &m.Jobs)
	}
	return fmt.Errorf("unexpected kind %s %s", tm.APIVersion, tm.Kind)
}

// decodeInto decodes doc strictly (unknown or duplicate fields fail) and
// appends it to list.
func decodeInto[T any](doc []byte, list *[]T) error {
	var v T
	if err := yaml.UnmarshalStrict(doc, &v); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	*list = append(*list, v)
	return nil
}

func stripComments(doc []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(doc), "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// Workload is one pod template of the manifests with the object owning it.
type Workload struct {
	// Kind and Name of the owner (Deployment, StatefulSet or Job).
	Kind, Name string
	Pod        corev1.PodTemplateSpec
}

// Workloads lists every pod template of the manifests.
func (m *Manifests) Workloads() []Workload {
	var ws []Workload
	for _, d := range m.Deployments {
		ws = append(ws, Workload{"Deployment", d.Name, d.Spec.Template})
	}
	for _, s := range m.StatefulSets {
		ws = append(ws, Workload{"StatefulSet", s.Name, s.Spec.Template})
	}
	for _, j := range m.Jobs {
		ws = append(ws, Workload{"Job", j.Name, j.Spec.Template})
	}
	return ws
}

// K8sCommands returns the stockflow command line (container args) of every
// container running a stockflow image, keyed "<kind>/<name>/<container>".
func (m *Manifests) K8sCommands() map[string][]string {
	cmds := map[string][]string{}
	for _, w := range m.Workloads() {
		for _, c := range w.Pod.Spec.Containers {
			if IsStockflowImage(c.Image) {
				cmds[w.Kind+"/"+w.Name+"/"+c.Name] = append([]string(nil), c.Args...)
			}
		}
	}
	return cmds
}

// IsStockflowImage reports whether image is the stockflow image (any
// registry and tag).
func IsStockflowImage(image string) bool {
	name, _, _ := strings.Cut(image[strings.LastIndex(image, "/")+1:], ":")
	return name == "stockflow"
}
