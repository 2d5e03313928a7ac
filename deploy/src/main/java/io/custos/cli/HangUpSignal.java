package io.custos.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGHUP, which asks a daemon to read its configuration again. The JDK has no public signal API; {@code sun.misc.Signal}
 * (module {@code jdk.unsupported}) is the one meant for this, and is absent on platforms without SIGHUP.
 */
final class HangUpSignal {
    private static final Logger log = LoggerFactory.getLogger(HangUpSignal.class);

    private HangUpSignal() {}

    /** Runs {@code action} on the signal's own thread each time the process receives SIGHUP. */
    static void onSignal(Runnable action) {
        try {
            Signal.handle(new Signal("HUP"), signal -> action.run());
        } catch (IllegalArgumentException e) {
            log.warn("SIGHUP cannot be handled here ({}); reload the policy through the admin API", e.getMessage());
        }
    }
}
