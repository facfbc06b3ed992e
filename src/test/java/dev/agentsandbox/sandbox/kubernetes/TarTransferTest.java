package dev.agentsandbox.sandbox.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile pod can put in the tar stream it sends back, and what lands on the host. */
class TarTransferTest {
    @TempDir
    Path tmp;

    private interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static byte[] tar(Entries entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        // raw bytes for names (GNU tar's way), so that a name that is not UTF-8 can be written
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b, StandardCharsets.ISO_8859_1.name())) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
            entries.write(t);
        }
        return b.toByteArray();
    }

    private static void file(TarArchiveOutputStream t, String name, String content, int mode) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true); // as written, absolute paths included
        e.setSize(data.length);
        e.setMode(mode);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static void special(TarArchiveOutputStream t, String name, byte type, String link) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        if (link != null) {
            e.setLinkName(link);
        }
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private Path target() throws IOException {
        return Files.createDirectories(tmp.resolve("out"));
    }

    private void extract(byte[] tar, long maxBytes, int maxEntries) throws IOException {
        TarTransfer.extract(new ByteArrayInputStream(tar), target(), maxBytes, maxEntries);
    }

    @Test
    void aTreeMakesTheRoundTripWithItsLinksAndModes() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/a/b"));
        Files.writeString(src.resolve("f.txt"), "hello\n");
        Path run = Files.writeString(tmp.resolve("src/run.sh"), "#!/bin/sh\n");
        run.toFile().setExecutable(true);
        Files.createSymbolicLink(tmp.resolve("src/link"), Path.of("a/b/f.txt"));
        Files.createDirectories(tmp.resolve("src/empty"));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        TarTransfer.write(tmp.resolve("src"), b);
        extract(b.toByteArray(), 1 << 20, 100);
        Path out = tmp.resolve("out");
        assertThat(out.resolve("a/b/f.txt")).hasContent("hello\n");
        assertThat(Files.isExecutable(out.resolve("run.sh"))).isTrue();
        assertThat(Files.isExecutable(out.resolve("a/b/f.txt"))).isFalse();
        assertThat(Files.readSymbolicLink(out.resolve("link"))).isEqualTo(Path.of("a/b/f.txt"));
        assertThat(out.resolve("empty")).isDirectory();
    }

    @Test
    void namesThatLeaveTheFolderAreRefused() throws Exception {
        for (String name : new String[] {"../escape", "/etc/passwd", "a/../../escape", "./../x", "a//b", "a\\..\\b"}) {
            byte[] t = tar(x -> file(x, name, "x", 0100644));
            assertThatThrownBy(() -> extract(t, 1 << 20, 100)).as(name).isInstanceOf(TarTransfer.Refused.class)
                    .hasMessageContaining("outside the folder");
        }
        assertThat(tmp.resolve("escape")).doesNotExist();
    }

    @Test
    void nothingIsWrittenThroughALinkTheStreamMadeEarlier() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        byte[] t = tar(x -> {
            special(x, "a", TarArchiveEntry.LF_SYMLINK, outside.toString());
            file(x, "a/pwned", "x", 0100644);
        });
        assertThatThrownBy(() -> extract(t, 1 << 20, 100)).isInstanceOf(TarTransfer.Refused.class).hasMessageContaining("not a folder");
        assertThat(outside.resolve("pwned")).doesNotExist();
        // the link itself is kept as a link (the collector then refuses it as leaving the workspace)
        assertThat(Files.isSymbolicLink(tmp.resolve("out/a"))).isTrue();
    }

    @Test
    void aFileIsNeverWrittenOverALinkOfTheSameName() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "safe");
        byte[] t = tar(x -> {
            special(x, "f", TarArchiveEntry.LF_SYMLINK, victim.toString());
            file(x, "f", "overwritten", 0100644);
        });
        assertThatThrownBy(() -> extract(t, 1 << 20, 100)).isInstanceOf(TarTransfer.Refused.class).hasMessageContaining("named twice");
        assertThat(victim).hasContent("safe");
    }

    @Test
    void hardLinksBecomeCopiesOfFilesInsideAndNeverReachOutside() throws Exception {
        byte[] ok = tar(x -> {
            file(x, "a.txt", "data", 0100644);
            special(x, "b.txt", TarArchiveEntry.LF_LINK, "a.txt");
        });
        extract(ok, 1 << 20, 100);
        assertThat(tmp.resolve("out/b.txt")).hasContent("data");
        Files.writeString(tmp.resolve("out/b.txt"), "changed");
        assertThat(tmp.resolve("out/a.txt")).as("a copy, not a link").hasContent("data");

        Path secret = Files.writeString(tmp.resolve("secret"), "s3cr3t");
        byte[] bad = tar(x -> special(x, "c.txt", TarArchiveEntry.LF_LINK, secret.toString()));
        Path again = Files.createDirectories(tmp.resolve("again"));
        assertThatThrownBy(() -> TarTransfer.extract(new ByteArrayInputStream(bad), again, 1 << 20, 100)).isInstanceOf(TarTransfer.Refused.class);
        assertThat(again.resolve("c.txt")).doesNotExist();
    }

    @Test
    void aHardLinkMayOnlyNameAFileOfTheSameStream() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("host-home"));
        Files.writeString(outside.resolve("id_ed25519"), "PRIVATE KEY");
        byte[] t = tar(x -> {
            special(x, "t", TarArchiveEntry.LF_SYMLINK, outside.toString());
            special(x, "x", TarArchiveEntry.LF_LINK, "t/id_ed25519");
        });
        assertThatThrownBy(() -> extract(t, 1 << 20, 100)).isInstanceOf(TarTransfer.Refused.class).hasMessageContaining("hard link");
        assertThat(tmp.resolve("out/x")).doesNotExist();
    }

    @Test
    void aHeaderLargerThanAnyNameIsRefusedBeforeItIsHeldInMemory() throws Exception {
        // a GNU long-name record of 2 MB before an ordinary entry, as a hostile tar would send it
        byte[] t = tar(x -> {
            byte[] name = "d/".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
            TarArchiveEntry longName = new TarArchiveEntry("././@LongLink", org.apache.commons.compress.archivers.tar.TarConstants.LF_GNUTYPE_LONGNAME);
            longName.setSize(name.length);
            x.putArchiveEntry(longName);
            x.write(name);
            x.closeArchiveEntry();
            file(x, "f", "x", 0100644);
        });
        assertThatThrownBy(() -> extract(t, 1L << 30, 100)).isInstanceOf(TarTransfer.Refused.class).hasMessageContaining("header");
    }

    @Test
    void namesInPaxHeadersKeepTheirUnicode() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream x = new TarArchiveOutputStream(b, StandardCharsets.UTF_8.name())) {
            x.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            x.setAddPaxHeadersForNonAsciiNames(true);
            file(x, "漢字/ファイル-ü.txt", "x", 0100644);
        }
        extract(b.toByteArray(), 1 << 20, 100);
        assertThat(tmp.resolve("out/漢字/ファイル-ü.txt")).hasContent("x");
    }

    @Test
    void devicesFifosAndSetuidFilesAreRefused() throws Exception {
        byte[] fifo = tar(x -> special(x, "p", TarArchiveEntry.LF_FIFO, null));
        assertThatThrownBy(() -> extract(fifo, 1 << 20, 100)).hasMessageContaining("special file");
        byte[] dev = tar(x -> special(x, "d", TarArchiveEntry.LF_CHR, null));
        assertThatThrownBy(() -> TarTransfer.extract(new ByteArrayInputStream(dev), Files.createDirectories(tmp.resolve("o2")), 1 << 20, 100))
                .hasMessageContaining("special file");
        byte[] suid = tar(x -> file(x, "s", "x", 0104755));
        assertThatThrownBy(() -> TarTransfer.extract(new ByteArrayInputStream(suid), Files.createDirectories(tmp.resolve("o3")), 1 << 20, 100))
                .hasMessageContaining("setuid");
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedNotRenamed() throws Exception {
        String latin1 = new String(new byte[] {'f', (byte) 0xff, '.', 't', 'x', 't'}, StandardCharsets.ISO_8859_1);
        byte[] t = tar(x -> file(x, latin1, "x", 0100644));
        assertThatThrownBy(() -> extract(t, 1 << 20, 100)).isInstanceOf(TarTransfer.Refused.class).hasMessageContaining("not valid UTF-8");
        // a GNU header's UTF-8 bytes are the name they spell
        String utf8Bytes = new String("données.txt".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        byte[] ok = tar(x -> file(x, utf8Bytes, "x", 0100644));
        TarTransfer.extract(new ByteArrayInputStream(ok), Files.createDirectories(tmp.resolve("o6")), 1 << 20, 100);
        assertThat(tmp.resolve("o6/données.txt")).hasContent("x");
    }

    @Test
    void moreBytesOrEntriesThanTheQuotaAreRefusedWithoutFillingTheDisk() throws Exception {
        byte[] big = tar(x -> file(x, "big", "x".repeat(200_000), 0100644));
        assertThatThrownBy(() -> extract(big, 100_000, 100)).hasMessageContaining("disk quota");
        assertThat(Files.size(tmp.resolve("out/big"))).isLessThanOrEqualTo(100_000 + 64 * 1024);
        byte[] many = tar(x -> {
            for (int i = 0; i < 50; i++) {
                file(x, "f" + i, "x", 0100644);
            }
        });
        assertThatThrownBy(() -> TarTransfer.extract(new ByteArrayInputStream(many), Files.createDirectories(tmp.resolve("o4")), 1 << 20, 20))
                .hasMessageContaining("more than 20 files");
        assertThat(Files.exists(tmp.resolve("out"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        // folders and links cost the host an inode and a block each: they count toward the quota too
        byte[] dirs = tar(x -> {
            for (int i = 0; i < 50; i++) {
                special(x, "d" + i + "/", TarArchiveEntry.LF_DIR, null);
            }
        });
        assertThatThrownBy(() -> TarTransfer.extract(new ByteArrayInputStream(dirs), Files.createDirectories(tmp.resolve("o5")), 100_000, 1000))
                .hasMessageContaining("disk quota");
    }
}
