// The benchmark workloads on Java Kafka Streams, the reference the C++ engine
// is measured against. Same flags, topologies, serialization and settings as
// bench/kstreams_bench.cc:
//
//   --workload W1   passthrough: stream(in).to(out)
//   --workload W2   map+filter: mapValues(upper-case the first byte)
//                   .filter(key ends in an even digit).to(out)
//   --workload W3   count by key: groupByKey().count(Materialized.as("counts"))
//                   .toStream().to(out) with Long values, in a RocksDB store
//                   with a changelog
//   --workload WC   word count (Kafka Streams' WordCountDemo): flatMapValues(
//                   value.toLowerCase().split("\\W+")).groupBy((k, word) -> word)
//                   .count(Materialized.as("counts")).toStream().to(out) with
//                   Long values; a repartition topic (<app>-counts-repartition)
//   --workload W4a  tumbling count: groupByKey().windowedBy(TimeWindows
//                   .ofSizeWithNoGrace(1 s)).count(Materialized.as("counts"))
//                   .toStream().to(out) with TimeWindowed<String> keys, Long values
//   --workload W4b  hopping count: the same, ofSizeWithNoGrace(1 s).advanceBy(500 ms)
//   --workload W5   stream-table join: stream(in).join(table(--input2),
//                   (v, t) -> v.substring(0, 50) + t.substring(0, 50)).to(out)
//   --workload W6   stream-stream join: stream(in).join(stream(--input2),
//                   (a, b) -> a.substring(0, 50) + b.substring(0, 50),
//                   JoinWindows.ofTimeDifferenceWithNoGrace(10 s)).to(out)
//   --workload LATEST  latest value per key: groupByKey().reduce((agg, v) -> v,
//                   Materialized.as("latest")); nothing written to the output
//
// Keys and values are Strings (UTF-8), W3 writes 8-byte big-endian Longs.
// Runs until SIGTERM/SIGINT; a shutdown hook closes KafkaStreams (final commit,
// leaves the group). Restoration is reported on stderr for bench/run:
//   bench: restored <topic>-<partition> (<store>): <n> records in <ms> ms
//   bench: restore finished: <n> records, <partitions> partitions, first start <epoch ms>, last end <epoch ms>
package bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.StateRestoreListener;

public final class KafkaStreamsBench {
  private KafkaStreamsBench() {}

  private static void die(String what) {
    System.err.println("kafka-streams-bench: " + what);
    System.exit(1);
  }

  private static String usage() {
    return "usage: kafka-streams-bench --bootstrap-servers B --application-id ID --input IN "
        + "--output OUT [--workload W1|W2|W3|WC|W4a|W4b|W5|W6|LATEST] [--input2 TOPIC] [--commit-interval-ms MS] "
        + "[--state-dir DIR]";
  }

  static Topology buildTopology(String workload, String input, String input2, String output) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> s = builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()));
    Produced<String, String> produced = Produced.with(Serdes.String(), Serdes.String());
    switch (workload) {
      case "W1":
        s.to(output, produced);
        break;
      case "W2":
        s.mapValues(v -> {
              if (v == null || v.isEmpty()) return v;
              char c = v.charAt(0);
              if (c < 'a' || c > 'z') return v;
              return (char) (c - 'a' + 'A') + v.substring(1);
            })
            .filter((k, v) -> k != null && !k.isEmpty() && ((k.charAt(k.length() - 1) - '0') % 2) == 0)
            .to(output, produced);
        break;
      case "W3":
        s.groupByKey()
            .count(Materialized.as("counts"))
            .toStream()
            .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        break;
      case "WC":
        s.flatMapValues(v -> Arrays.asList(v.toLowerCase(Locale.ROOT).split("\\W+")))
            .groupBy((k, word) -> word, Grouped.with(Serdes.String(), Serdes.String()))
            .count(Materialized.as("counts"))
            .toStream()
            .to(output, Produced.with(Serdes.String(), Serdes.Long()));
        break;
      case "W4a":
      case "W4b": {
        TimeWindows windows = TimeWindows.ofSizeWithNoGrace(Duration.ofSeconds(1));
        if (workload.equals("W4b")) windows = windows.advanceBy(Duration.ofMillis(500));
        s.groupByKey()
            .windowedBy(windows)
            .count(Materialized.as("counts"))
            .toStream()
            .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 1000L), Serdes.Long()));
        break;
      }
      case "W5": {
        if (input2 == null) die("W5 needs --input2 (the table topic)\n" + usage());
        KTable<String, String> table = builder.table(input2, Consumed.with(Serdes.String(), Serdes.String()));
        s.join(table, (String v, String t) -> v.substring(0, 50) + t.substring(0, 50)).to(output, produced);
        break;
      }
      case "W6": {
        if (input2 == null) die("W6 needs --input2 (the right stream's topic)\n" + usage());
        KStream<String, String> right = builder.stream(input2, Consumed.with(Serdes.String(), Serdes.String()));
        s.join(right, (String a, String b) -> a.substring(0, 50) + b.substring(0, 50),
                JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofSeconds(10)))
            .to(output, produced);
        break;
      }
      case "LATEST":
        s.groupByKey().reduce((agg, v) -> v, Materialized.as("latest"));
        break;
      default:
        die("unknown workload " + workload + "\n" + usage());
    }
    return builder.build();
  }

  /** Prints one line per restored changelog partition and one when none is left restoring. */
  static final class RestoreReporter implements StateRestoreListener {
    private final ConcurrentHashMap<TopicPartition, Long> started = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger partitions = new AtomicInteger();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);

    @Override
    public void onRestoreStart(TopicPartition tp, String store, long startOffset, long endOffset) {
      long now = System.currentTimeMillis();
      started.put(tp, now);
      firstStart.accumulateAndGet(now, Math::min);
      active.incrementAndGet();
    }

    @Override
    public void onBatchRestored(TopicPartition tp, String store, long batchEndOffset, long numRestored) {}

    @Override
    public void onRestoreEnd(TopicPartition tp, String store, long totalRestored) {
      long now = System.currentTimeMillis();
      Long t0 = started.remove(tp);
      long ms = t0 == null ? 0 : now - t0;
      long sum = total.addAndGet(totalRestored);
      int parts = partitions.incrementAndGet();
      System.err.println("bench: restored " + tp + " (" + store + "): " + totalRestored + " records in " + ms + " ms");
      if (active.decrementAndGet() == 0) {
        System.err.println("bench: restore finished: " + sum + " records, " + parts + " partitions, first start "
            + firstStart.get() + ", last end " + now);
      }
      System.err.flush();
    }

    @Override
    public void onRestoreSuspended(TopicPartition tp, String store, long totalRestored) {
      started.remove(tp);
      active.decrementAndGet();
      System.err.println("bench: restore suspended " + tp + " (" + store + ") after " + totalRestored + " records");
    }
  }

  public static void main(String[] args) throws InterruptedException {
    String bootstrap = null, appId = null, input = null, input2 = null, output = null, workload = "W1";
    String commitIntervalMs = "1000", stateDir = null;
    for (int i = 0; i < args.length; ++i) {
      String a = args[i];
      if (i + 1 >= args.length) die("missing value for " + a + "\n" + usage());
      String v = args[++i];
      switch (a) {
        case "--bootstrap-servers": bootstrap = v; break;
        case "--application-id": appId = v; break;
        case "--input": input = v; break;
        case "--input2": input2 = v; break;
        case "--output": output = v; break;
        case "--workload": workload = v; break;
        case "--commit-interval-ms": commitIntervalMs = v; break;
        case "--state-dir": stateDir = v; break;
        default: die("unknown argument " + a + "\n" + usage());
      }
    }
    if (workload.equals("passthrough")) workload = "W1";
    if (workload.equals("mapfilter")) workload = "W2";
    if (workload.equals("count")) workload = "W3";
    if (bootstrap == null || appId == null || input == null || output == null) die(usage());

    Topology topology = buildTopology(workload, input, input2, output);

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "10485760");  // the kstreams default
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1");
    p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
    if (stateDir != null) p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    // Consumer: as bench/kstreams_bench.cc (librdkafka's fetch defaults are
    // the Java client's: fetch.max.bytes 52428800, max.partition.fetch.bytes
    // 1048576, fetch.min.bytes 1), with kstreams' default fetch wait of 20 ms
    // (Java's default is 500 ms). librdkafka's prefetch queue
    // (queued.max.messages.kbytes) has no Java counterpart.
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), "20");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), "52428800");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), "1048576");
    // Restore consumer: the fetch sizes kstreams' restore consumer uses.
    p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), "52428800");
    p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), "1048576");
    // Producer: linger.ms 5 (Kafka Streams' own default is 100), batches of up
    // to 1,000,000 bytes (librdkafka's batch.size; with 10,000 records per
    // batch.num.messages that is the limit that binds for these records), a
    // 1 GiB buffer (librdkafka's queue.buffering.max.kbytes=1048576), acks=all,
    // no compression, no idempotence.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), "5");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), "1000000");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BUFFER_MEMORY_CONFIG), "1073741824");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), "false");

    KafkaStreams streams = new KafkaStreams(topology, p);
    streams.setGlobalStateRestoreListener(new RestoreReporter());
    CountDownLatch done = new CountDownLatch(1);
    streams.setStateListener((newState, oldState) -> {
      System.err.println("bench: state " + oldState + " -> " + newState + " at " + System.currentTimeMillis());
      if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) done.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("kafka-streams-bench: stream thread failed: " + e);
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse
          .SHUTDOWN_CLIENT;
    });
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(60));
      closed.countDown();
    }, "bench-shutdown"));
    streams.start();
    done.await();
    // Stopped on its own (error): exit non-zero; after SIGTERM the hook is
    // already running and this exit waits for it.
    if (streams.state() == KafkaStreams.State.ERROR) System.exit(1);
    closed.await();
  }
}
