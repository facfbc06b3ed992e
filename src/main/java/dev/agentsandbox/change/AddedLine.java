package dev.agentsandbox.change;

/** A line the change adds: its 1-based number in the new file and its text (no line terminator). */
public record AddedLine(int number, String text) {
    public AddedLine {
        if (number < 1) {
            throw new IllegalArgumentException("line number must be >= 1: " + number);
        }
        java.util.Objects.requireNonNull(text, "text");
    }
}
