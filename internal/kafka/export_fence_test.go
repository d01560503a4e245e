package kafka

// Older exposes older to the tests of package kafka_test.
var Older = older
