package io.koordinator.loadtest.load;

/** What a load request does, and the key family it works on. */
public enum Operation {
    /** {@code POST /kv/a-<i>/append} with a unique token; append keys see nothing else. */
    APPEND,
    /** {@code PUT /kv/p-<i>} with a unique token as the whole value. */
    PUT,
    /** {@code DELETE /kv/p-<i>}. */
    DELETE,
    /** {@code GET /kv/<key>} on either family; not a write. */
    GET;

    public boolean isWrite() {
        return this != GET;
    }

    /** Key {@code i} of the family this operation writes. */
    public static String appendKey(int i) {
        return "a-" + i;
    }

    public static String registerKey(int i) {
        return "p-" + i;
    }
}
