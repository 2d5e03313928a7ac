package io.custos.proxy.session;

import java.time.Instant;

/**
 * One session as the admin API lists it.
 *
 * @param user null until the session has authenticated, like {@code role}
 * @param statements how many statements the session has sent so far, refused ones included
 * @param statementClass the class of the statement running, or of the last one; null before the first
 */
public record SessionInfo(
        int id,
        String user,
        String role,
        String protocol,
        String clientAddress,
        Instant since,
        long statements,
        String statementClass) {}
