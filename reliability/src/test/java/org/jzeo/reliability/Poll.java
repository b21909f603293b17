package org.jzeo.reliability;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Bounded condition waits (no fixed sleeps) and the suite's time settings. */
public final class Poll {
    private Poll() {
    }

    /** Seconds of each timed torture ({@code -Dreliability.seconds}, 4 normally, 60 with -Psoak). */
    public static double seconds() {
        return Double.parseDouble(System.getProperty("reliability.seconds", "4"));
    }

    /** Crash rounds ({@code -Dreliability.crash.rounds}, 20 normally, 120 with -Psoak). */
    public static int crashRounds() {
        return Integer.getInteger("reliability.crash.rounds", 20);
    }

    /** Waits up to {@code seconds} for {@code condition}, else fails with {@code what}. */
    public static void await(String what, double seconds, BooleanSupplier condition) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
            }
            pause();
        }
    }

    /** A short pause between polls (10 ms). */
    public static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
