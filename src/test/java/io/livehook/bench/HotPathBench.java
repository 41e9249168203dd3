package io.livehook.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.livehook.config.ApiKeys;
import io.livehook.ingest.EventHeader;
import io.livehook.livekit.BodyHash;
import io.livehook.livekit.Verification;
import io.livehook.livekit.WebhookVerifier;
import io.livehook.log.LoggedEvent;
import io.livehook.log.Origin;
import io.livehook.process.LiveKitEvent;
import io.livehook.testing.LivehookFixture;
import io.livehook.testing.TestJwt;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU work livehook does per event outside SQLite and the network, on a participant_joined body as
 * LiveKit sends it: ingest verifies the token and reads the header fields; processing parses the body into
 * LiveKit's protobuf types. {@code bodyHashFloor} (SHA-256 of the body, which no verifier can skip) is the
 * baseline measured in the same run. Run with {@code bench/jmh HotPath}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBench {
    private static final String KEY = LivehookFixture.API_KEY;
    private static final String SECRET = LivehookFixture.API_SECRET;

    private WebhookVerifier verifier;
    private String token;
    private byte[] body;
    private LoggedEvent logged;

    @Setup
    public void setUp() {
        Instant now = Instant.now();
        body = IngestLoad.body(1, now).getBytes(StandardCharsets.UTF_8);
        token = TestJwt.webhook(KEY, SECRET, body, now);
        verifier = new WebhookVerifier(new ApiKeys(Map.of(KEY, SECRET)), Duration.ofSeconds(60), Clock.systemUTC());
        if (!(verifier.verify(token, body) instanceof Verification.Verified)) {
            throw new IllegalStateException("the benchmark's token does not verify");
        }
        logged = new LoggedEvent(0, 1, "EV_1", "participant_joined", "room-1", body, now, KEY, Origin.LIVEKIT, 0);
    }

    @Benchmark
    public Verification verify() {
        return verifier.verify(token, body);
    }

    @Benchmark
    public EventHeader readHeader() throws EventHeader.Unreadable {
        return EventHeader.read(body);
    }

    @Benchmark
    public LiveKitEvent parseForProcessing() throws InvalidProtocolBufferException {
        return LiveKitEvent.parse(logged);
    }

    @Benchmark
    public byte[] bodyHashFloor() {
        return BodyHash.of(body);
    }
}
