package stream

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Defaults of the embedded broker.
const (
	DefaultBrokerAddr = "127.0.0.1:9092"
	DefaultPartitions = 3
)

// BrokerConfig configures the embedded single-node broker.
type BrokerConfig struct {
	Addr       string // host:port to listen on; port 0 picks a free port. Default DefaultBrokerAddr.
	DataDir    string // topics, messages and committed group offsets persist here; "" keeps them in memory
	Partitions int    // partitions of each seeded topic; default DefaultPartitions
	SyncWrites bool   // fsync every produced batch (survives power loss, slower)
}

// Validate reports a config the broker cannot start with.
func (c BrokerConfig) Validate() error {
	if c.Partitions < 0 {
		return fmt.Errorf("partitions must not be negative")
	}
	if c.Addr == "" {
		return nil
	}
	if _, _, err := splitAddr(c.Addr); err != nil {
		return err
	}
	return nil
}

func (c BrokerConfig) withDefaults() BrokerConfig {
	if c.Addr == "" {
		c.Addr = DefaultBrokerAddr
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	return c
}

// Broker is an in-process Kafka-compatible broker (kfake). Clients reach it on
// Addrs() over TCP like any Kafka cluster.
type Broker struct {
	cluster *kfake.Cluster
}

// StartBroker starts the embedded broker with the three Herald topics. Started
// again on the same DataDir, it reloads what it had, including committed
// offsets, so consumers resume where they left off.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("start broker: %w", err)
	}
	cfg = cfg.withDefaults()
	host, port, _ := splitAddr(cfg.Addr)
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.SeedTopics(int32(cfg.Partitions), TopicIncidents, TopicDLQ, TopicNotifications),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		// kfake always asks for 127.0.0.1; honour the configured host.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.SyncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
	}
	return &Broker{cluster: c}, nil
}

// Addrs returns the host:port the broker listens on, with the real port when
// port 0 was asked for.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Close stops the broker and flushes its data directory.
func (b *Broker) Close() { b.cluster.Close() }

func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("parse broker address: %w", err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("parse broker address: bad port %q", p)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return host, port, nil
}
