package io.custos.policy;

import javax.security.auth.x500.X500Principal;

/**
 * A user's client certificate rule: besides the password, the user must present a certificate that chains to the
 * listener's client CA and whose subject matches. Exactly one of the two is set.
 *
 * @param commonName the certificate's subject must have this CN (compared exactly), or {@code null}
 * @param subject the certificate's whole subject must be this distinguished name (compared as X.500 names, so
 *     spacing and the case of attribute types do not matter), or {@code null}
 */
public record ClientCertificate(String commonName, X500Principal subject) {
    public ClientCertificate {
        if ((commonName == null) == (subject == null)) {
            throw new IllegalArgumentException("exactly one of commonName and subject must be given");
        }
    }

    /** How the rule reads in messages: {@code cn 'it_admin'}. */
    public String describe() {
        return commonName != null ? "cn '" + commonName + "'" : "subject '" + subject.getName() + "'";
    }
}
