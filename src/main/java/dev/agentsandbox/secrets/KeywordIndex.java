package dev.agentsandbox.secrets;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An Aho-Corasick automaton over the rules' keywords: one pass over a line, case-insensitive for
 * ASCII, tells which rules may match, and where the keywords of anchored rules start (so their
 * regex is tried there only, without lower-casing or searching the line again). Lines without
 * any keyword (most code) cost that pass only.
 *
 * <p>The transition table is one flat array over a compact alphabet (the characters that occur in
 * keywords, plus one class for all others), small enough to stay in the first-level cache.
 */
final class KeywordIndex {
    private static final int ASCII = 128;

    private final byte[] classOf = new byte[Character.MAX_VALUE + 1]; // character -> alphabet class; 0 = in no keyword
    private final int width;                        // alphabet size
    private final int[] next;                       // state * width + class -> next state * width
    private final long[] rulesAt;                   // by state * width: bit set of rules whose keyword ends there
    private final int[][] anchoredAt;               // by state * width: (rule << 16 | keyword length) of anchored rules
    private final long anchoredRules;

    KeywordIndex(List<SecretRule> rules) {
        if (rules.size() > 64) {
            throw new IllegalArgumentException("at most 64 rules");
        }
        int classes = 1;
        for (SecretRule r : rules) {
            for (String k : r.keywords()) {
                for (char c : k.toCharArray()) {
                    if (c >= ASCII) {
                        throw new IllegalArgumentException("rule " + r.id() + ": keywords are ASCII");
                    }
                    if (classOf[c] == 0) {
                        classOf[c] = (byte) classes++;
                    }
                }
            }
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            classOf[c] = classOf[c + 32];
        }
        width = classes;
        List<int[]> trie = new ArrayList<>();
        List<Long> out = new ArrayList<>();
        List<List<Integer>> anchored = new ArrayList<>();
        trie.add(new int[width]);
        out.add(0L);
        anchored.add(new ArrayList<>());
        long anchoredMask = 0;
        for (int r = 0; r < rules.size(); r++) {
            if (rules.get(r).anchored()) {
                anchoredMask |= 1L << r;
            }
            for (String k : rules.get(r).keywords()) {
                int s = 0;
                for (char c : k.toCharArray()) {
                    int ch = classOf[c];
                    if (trie.get(s)[ch] == 0) {
                        trie.add(new int[width]);
                        out.add(0L);
                        anchored.add(new ArrayList<>());
                        trie.get(s)[ch] = trie.size() - 1;
                    }
                    s = trie.get(s)[ch];
                }
                out.set(s, out.get(s) | (1L << r));
                if (rules.get(r).anchored()) {
                    anchored.get(s).add(r << 16 | k.length());
                }
            }
        }
        anchoredRules = anchoredMask;
        int n = trie.size();
        int[][] delta = trie.toArray(int[][]::new);
        int[] fail = new int[n];
        long[] rules0 = new long[n];
        for (int i = 0; i < n; i++) {
            rules0[i] = out.get(i);
        }
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int c = 0; c < width; c++) {
            if (delta[0][c] != 0) {
                queue.add(delta[0][c]);
            }
        }
        List<Integer> order = new ArrayList<>();
        while (!queue.isEmpty()) {
            int s = queue.poll();
            order.add(s);
            rules0[s] |= rules0[fail[s]];
            for (int c = 0; c < width; c++) {
                int t = delta[s][c];
                if (t != 0) {
                    fail[t] = delta[fail[s]][c];
                    queue.add(t);
                } else {
                    delta[s][c] = delta[fail[s]][c];
                }
            }
        }
        // Breadth-first order: a state's fail state (shallower) already holds its whole chain.
        for (int s : order) {
            anchored.get(s).addAll(anchored.get(fail[s]));
        }
        // States are stored premultiplied by the width: one add per character, no multiply.
        anchoredAt = new int[n * width][];
        rulesAt = new long[n * width];
        next = new int[n * width];
        for (int s = 0; s < n; s++) {
            anchoredAt[s * width] = anchored.get(s).isEmpty() ? null : anchored.get(s).stream().mapToInt(Integer::intValue).toArray();
            rulesAt[s * width] = rules0[s];
            for (int c = 0; c < width; c++) {
                next[s * width + c] = delta[s][c] * width;
            }
        }
    }

    /**
     * One pass over the line: returns the bit set of rules whose keyword occurs, and adds to
     * {@code starts} (rule << 32 | start index) for every keyword of an anchored rule.
     */
    long scan(String line, Starts starts) {
        int s = 0;
        long found = 0;
        final int[] next = this.next;
        final byte[] classOf = this.classOf;
        final long[] rulesAt = this.rulesAt;
        for (int i = 0, n = line.length(); i < n; i++) {
            s = next[s + classOf[line.charAt(i)]];
            long here = rulesAt[s];
            if (here != 0) {
                found |= here;
                if ((here & anchoredRules) != 0) {
                    for (int packed : anchoredAt[s]) {
                        starts.add(packed >>> 16, i + 1 - (packed & 0xFFFF), i + 1);
                    }
                }
            }
        }
        return found;
    }

    /** Where anchored keywords start and end in one line; reused from line to line. */
    static final class Starts {
        private int[] rules = new int[16];
        private int[] starts = new int[16];
        private int[] ends = new int[16];
        private int size;

        void clear() {
            size = 0;
        }

        void add(int rule, int start, int end) {
            if (size == rules.length) {
                rules = Arrays.copyOf(rules, size * 2);
                starts = Arrays.copyOf(starts, size * 2);
                ends = Arrays.copyOf(ends, size * 2);
            }
            rules[size] = rule;
            starts[size] = start;
            ends[size++] = end;
        }

        int size() {
            return size;
        }

        int rule(int i) {
            return rules[i];
        }

        int start(int i) {
            return starts[i];
        }

        int end(int i) {
            return ends[i];
        }
    }
}
