package dev.agentsandbox.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks an audit log's chain and says where it first breaks. */
public final class AuditVerifier {
    /**
     * @param records whole records that verify
     * @param hashes seq to hash of every verified record
     * @param problems what is wrong, naming the line; empty when the chain holds
     * @param tornTail whether the file ends in an incomplete record (verified up to it)
     * @param stages the stage of each verified record, in order
     */
    public record Result(int records, Map<Long, String> hashes, List<String> problems, boolean tornTail, List<String> stages) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private AuditVerifier() {
    }

    public static Result verify(Path file) throws IOException {
        return verify(Files.readAllBytes(file));
    }

    public static Result verify(byte[] all) {
        List<String> stages = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<Long, String> hashes = new HashMap<>();
        String prev = AuditLog.GENESIS;
        long expectSeq = 0;
        int start = 0;
        int lineNo = 0;
        int records = 0;
        while (start < all.length) {
            int nl = start;
            while (nl < all.length && all[nl] != '\n') {
                nl++;
            }
            lineNo++;
            if (nl == all.length) {
                return new Result(records, hashes, problems, true, stages);
            }
            byte[] line = Arrays.copyOfRange(all, start, nl);
            start = nl + 1;
            JsonNode rec;
            try {
                rec = AuditLog.JSON.readTree(line);
            } catch (IOException e) {
                problems.add("audit.jsonl line " + lineNo + ": not a JSON record");
                break;
            }
            if (rec == null || rec.path("seq").asLong(-1) != expectSeq) {
                problems.add("audit.jsonl line " + lineNo + ": sequence number " + (rec == null ? "?" : rec.path("seq").asText())
                        + " where " + expectSeq + " was expected (a record is missing or was added)");
                break;
            }
            if (!prev.equals(rec.path("prev").asText())) {
                problems.add("audit.jsonl line " + lineNo + ": prev does not match the hash of line " + (lineNo - 1)
                        + " (a record was changed, removed or inserted)");
                break;
            }
            prev = Digests.sha256(line);
            hashes.put(expectSeq, prev);
            stages.add(rec.path("stage").asText());
            expectSeq++;
            records++;
        }
        return new Result(records, hashes, problems, false, stages);
    }
}
