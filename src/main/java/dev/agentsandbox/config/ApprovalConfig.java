package dev.agentsandbox.config;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Who must approve a run, by its risk tier: {@code approval.<tier>.approvers} distinct people
 * (critical and high: 2), optionally only those {@code allowed}, never the person who asked for
 * the run unless {@code allow-self}, each approval counting only within {@code expiry}.
 */
public record ApprovalConfig(Map<RiskConfig.Tier, Quorum> tiers) {
    /**
     * @param approvers how many distinct people must approve
     * @param allowed who may approve (as the CI names them); empty: anyone
     * @param allowSelf whether the person who asked for the run may approve it
     * @param expiry how long an approval counts; null: until the merge
     */
    public record Quorum(int approvers, List<String> allowed, boolean allowSelf, Duration expiry) {
        public Quorum {
            allowed = allowed == null ? List.of() : List.copyOf(allowed);
            if (approvers < 1 || approvers > 20) {
                throw new IllegalArgumentException("approvers must be between 1 and 20");
            }
        }
    }

    public static final ApprovalConfig DEFAULT = new ApprovalConfig(null);

    public ApprovalConfig {
        Map<RiskConfig.Tier, Quorum> m = new EnumMap<>(RiskConfig.Tier.class);
        for (RiskConfig.Tier t : RiskConfig.Tier.values()) {
            m.put(t, new Quorum(t == RiskConfig.Tier.CRITICAL || t == RiskConfig.Tier.HIGH ? 2 : 1, null, false, null));
        }
        if (tiers != null) {
            m.putAll(tiers);
        }
        tiers = Map.copyOf(m);
    }

    public Quorum of(RiskConfig.Tier tier) {
        return tiers.get(tier);
    }
}
