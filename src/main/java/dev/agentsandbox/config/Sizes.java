package dev.agentsandbox.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people write them: 512m, 2g, 64k, or a number of bytes. */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmg]i?b?|b)?");

    private Sizes() {
    }

    public static long parse(String s) {
        Matcher m = SIZE.matcher(s.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + s + "' is not a size (use 512m, 2g or a number of bytes)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).substring(0, 1);
        long mul = switch (unit) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            default -> 1L;
        };
        return Math.multiplyExact(n, mul);
    }
}
