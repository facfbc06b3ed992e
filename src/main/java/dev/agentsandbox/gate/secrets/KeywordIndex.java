package dev.agentsandbox.gate.secrets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * An Aho-Corasick automaton over the rules' keywords: one pass over a line, case-insensitive for
 * ASCII, tells which rules may match. Lines without any keyword (most code) cost that pass only.
 */
final class KeywordIndex {
    private static final int ALPHABET = 128;

    private final int[][] next;
    private final int[] fail;
    private final long[] rulesAt; // bit set of rule indexes whose keyword ends at the state
    private final int ruleCount;

    KeywordIndex(List<SecretRule> rules) {
        if (rules.size() > 64) {
            throw new IllegalArgumentException("at most 64 rules");
        }
        ruleCount = rules.size();
        List<int[]> trie = new ArrayList<>();
        List<Long> out = new ArrayList<>();
        trie.add(newState());
        out.add(0L);
        for (int r = 0; r < rules.size(); r++) {
            for (String k : rules.get(r).keywords()) {
                int s = 0;
                for (char c : k.toCharArray()) {
                    int ch = c < ALPHABET ? c : 0;
                    if (trie.get(s)[ch] == 0) {
                        trie.add(newState());
                        out.add(0L);
                        trie.get(s)[ch] = trie.size() - 1;
                    }
                    s = trie.get(s)[ch];
                }
                out.set(s, out.get(s) | (1L << r));
            }
        }
        int n = trie.size();
        next = trie.toArray(int[][]::new);
        rulesAt = new long[n];
        for (int i = 0; i < n; i++) {
            rulesAt[i] = out.get(i);
        }
        fail = new int[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < ALPHABET; c++) {
            if (next[0][c] != 0) {
                queue.add(next[0][c]);
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            rulesAt[s] |= rulesAt[fail[s]];
            for (int c = 0; c < ALPHABET; c++) {
                int t = next[s][c];
                if (t != 0) {
                    fail[t] = next[fail[s]][c];
                    queue.add(t);
                } else {
                    next[s][c] = next[fail[s]][c];
                }
            }
        }
    }

    private static int[] newState() {
        return new int[ALPHABET];
    }

    /** Bit set of the rules whose keyword occurs in the line. */
    long candidates(CharSequence line) {
        int s = 0;
        long found = 0;
        for (int i = 0, n = line.length(); i < n; i++) {
            char c = line.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + 32);
            } else if (c >= ALPHABET) {
                c = 0;
            }
            s = next[s][c];
            found |= rulesAt[s];
        }
        return found;
    }

    int ruleCount() {
        return ruleCount;
    }
}
