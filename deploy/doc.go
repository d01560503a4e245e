// Package deploy loads stockflow's deployment artifacts (docker-compose.yml,
// deploy/k8s, deploy/prometheus) so tests can check them for real: the
// compose file through the compose-spec loader, the Kubernetes manifests
// strictly into their typed API structs, the Prometheus files with promtool.
// Nothing in the stockflow binary imports it.
package deploy
