package io.livehook.dashboard;

import io.helidon.webserver.http.ServerRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down guessing the API token at the login page, per client address: the first few wrong tokens cost
 * nothing (typos), then each further one doubles the wait before the next try, from 1 s up to 15 minutes.
 * A try during the wait is refused (429 with Retry-After) before the token is even looked at, so a right
 * guess inside the wait tells nothing. A right token clears the address; an address with no wrong token for
 * an hour is forgotten, and at most {@value #MAX_CLIENTS} addresses are remembered (the longest quiet go
 * first), so that many addresses cannot fill the memory.
 *
 * <p>Behind a reverse proxy every browser has the proxy's address: they share one wait.
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration FIRST_WAIT = Duration.ofSeconds(1);
    static final Duration LONGEST_WAIT = Duration.ofMinutes(15);
    static final Duration FORGET_AFTER = Duration.ofHours(1);
    static final int MAX_CLIENTS = 10_000;

    private final Clock clock;
    /** Oldest wrong token first: a wrong token moves its address to the end. */
    private final Map<String, Failures> clients = new LinkedHashMap<>();

    private record Failures(int count, long lastMs, long waitUntilMs) {}

    LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    /** Who is trying: the peer's IP address. */
    static String client(ServerRequest req) {
        SocketAddress peer = req.remotePeer().address();
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(peer);
    }

    /** How long the client must wait before its next try; zero when it may try now. */
    synchronized Duration waitFor(String client) {
        Failures failures = clients.get(client);
        long now = clock.millis();
        return failures == null || failures.waitUntilMs() <= now ? Duration.ZERO
                : Duration.ofMillis(failures.waitUntilMs() - now);
    }

    synchronized void failed(String client) {
        long now = clock.millis();
        forgetQuiet(now);
        Failures before = clients.remove(client);
        int count = before == null ? 1 : before.count() + 1;
        long waitMs = 0;
        if (count > FREE_FAILURES) {
            int doublings = Math.min(count - FREE_FAILURES - 1, 30);
            waitMs = Math.min(FIRST_WAIT.toMillis() << doublings, LONGEST_WAIT.toMillis());
        }
        clients.put(client, new Failures(count, now, now + waitMs));
        if (clients.size() > MAX_CLIENTS) {
            Iterator<String> oldest = clients.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    synchronized void succeeded(String client) {
        clients.remove(client);
    }

    private void forgetQuiet(long now) {
        for (Iterator<Failures> it = clients.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastMs() < FORGET_AFTER.toMillis()) {
                return; // the rest are newer
            }
            it.remove();
        }
    }
}
