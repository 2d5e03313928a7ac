package io.custos.proxy.admin;

import io.custos.proxy.session.SessionInfo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the admin API can ask of the running gateway. Every action is audited by the implementation, naming
 * {@code caller}, the address the request came from.
 */
public interface AdminOperations {
    /** Each readiness check by name ({@code policy}, {@code audit}, one per backend), true when it passed. */
    Map<String, Boolean> readiness();

    List<SessionInfo> sessions();

    /** Ends session {@code id}; empty when there is no such session. */
    Optional<SessionInfo> endSession(int id, String caller);

    /**
     * Refuses {@code user}'s new logins and ends their sessions on every protocol, until {@link #enableUser}.
     *
     * @throws UnknownUserException when the policy has no such user
     */
    List<SessionInfo> disableUser(String user, String caller);

    /**
     * Lets {@code user} log in again.
     *
     * @throws UnknownUserException when the policy has no such user
     * @throws IllegalStateException when the policy file itself disables the user
     */
    void enableUser(String user, String caller);

    /** The users disabled through the admin API. */
    Set<String> disabledUsers();

    /** Reloads the policy file on behalf of {@code trigger}; the result says whether the new policy is in force. */
    PolicyReload reloadPolicy(String trigger);

    /** The policy in force. */
    PolicyStatus policy();

    /** Thrown for a user name the policy does not know. */
    final class UnknownUserException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UnknownUserException(String user) {
            super("no user '" + user + "' in the policy", null, false, false);
        }
    }
}
