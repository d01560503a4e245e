// Package app assembles stockflow processes: an embedded broker (dev), the
// topics, the goka processors, the API's views, outcome tail and HTTP
// server, and shuts them down in the order that loses nothing.
package app
