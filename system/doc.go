// Package system is stockflow's composition root: it assembles a process
// from its parts (an embedded broker under dev, the topics, the goka
// processors with their side loops, the API's views, outcome tail and HTTP
// server), and shuts them down in the order that loses nothing. The binary
// (cmd/stockflow) parses a Config and calls Run; tests and the load
// generator start a System from DefaultConfig.
package system
