package dev.agentsandbox.run;

import java.time.Clock;

/** Where run ids come from: time-ordered, unique, safe in branch and container names. */
@FunctionalInterface
public interface RunIds {
    String next();

    static RunIds random(Clock clock) {
        java.security.SecureRandom r = new java.security.SecureRandom();
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC);
        return () -> f.format(clock.instant()) + "-" + java.util.HexFormat.of().formatHex(r.generateSeed(3));
    }
}
