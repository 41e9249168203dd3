package io.livehook.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BackgroundLoopTest {

    @Test
    void closeCutsALongPauseShortAndWaitsForTheLoopToLeave() throws InterruptedException {
        BackgroundLoop loop = new BackgroundLoop("test-loop", Duration.ofSeconds(10));
        CountDownLatch turned = new CountDownLatch(1);
        AtomicInteger turns = new AtomicInteger();
        AtomicReference<Thread> ran = new AtomicReference<>();
        CountDownLatch left = new CountDownLatch(1);
        loop.start(() -> {
            ran.set(Thread.currentThread());
            try {
                while (loop.running()) {
                    turns.incrementAndGet();
                    turned.countDown();
                    Thread.sleep(Duration.ofMinutes(10));
                }
            } catch (InterruptedException e) {
                // asked to stop
            } finally {
                left.countDown();
            }
        });
        assertThat(turned.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.running()).isTrue();
        assertThat(ran.get().getName()).isEqualTo("test-loop");
        assertThat(ran.get().isDaemon()).isTrue();

        long start = System.nanoTime();
        loop.close();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(left.getCount()).isZero();
        assertThat(loop.running()).isFalse();
        assertThat(turns.get()).isEqualTo(1);
    }

    @Test
    void aFailurePauseEndsAtAnInterruptAndKeepsItForTheLoopToSee() throws InterruptedException {
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        Thread pausing = Thread.ofPlatform().start(() -> {
            BackgroundLoop.pauseAfterFailure(Duration.ofMinutes(10));
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        pausing.interrupt();
        pausing.join(5_000);

        assertThat(pausing.isAlive()).isFalse();
        assertThat(stillInterrupted.get()).isTrue();
    }

    @Test
    void closingALoopNeverStartedDoesNothingAndOneStartsOnce() {
        BackgroundLoop never = new BackgroundLoop("never", Duration.ofSeconds(1));
        never.close();
        assertThat(never.running()).isFalse();

        BackgroundLoop once = new BackgroundLoop("once", Duration.ofSeconds(1));
        once.start(() -> { });
        assertThatThrownBy(() -> once.start(() -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("once");
        once.close();
    }
}
