package dev.agentsandbox.doctor;

/**
 * One finding of {@code doctor}.
 *
 * @param name what was checked
 * @param status ok, warn (a run still works) or fail (a run would fail)
 * @param detail what was seen
 * @param fix what to do, or empty when nothing needs doing
 */
public record Check(String name, Status status, String detail, String fix) {
    public enum Status { OK, WARN, FAIL }

    static Check ok(String name, String detail) {
        return new Check(name, Status.OK, detail, "");
    }

    static Check warn(String name, String detail, String fix) {
        return new Check(name, Status.WARN, detail, fix);
    }

    static Check fail(String name, String detail, String fix) {
        return new Check(name, Status.FAIL, detail, fix);
    }
}
