package dev.agentsandbox.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentsandbox.error.InfrastructureException;
import dev.agentsandbox.sandbox.trace.ProcessRecord;
import dev.agentsandbox.sandbox.trace.ProcessTrace;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** A sandbox's process trace into the hash-chained audit log: one {@code "type": "process"} event per program, then a summary. */
final class ProcessLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ProcessLog() {
    }

    /** Audits the records and returns the summary with their digest (null when the sandbox was not traced). */
    static Map<String, Object> audit(RunBundle bundle, String stage, ProcessTrace.Result trace) throws InfrastructureException {
        if (trace == null) {
            return null;
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (ProcessRecord p : trace.processes()) {
            Map<String, Object> record = p.toAudit();
            bundle.audit(stage, "process", record);
            try {
                sha.update(JSON.writeValueAsBytes(record));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>(trace.summary());
        summary.put("sha256", HexFormat.of().formatHex(sha.digest()));
        bundle.audit(stage, "process-log", summary);
        return summary;
    }
}
