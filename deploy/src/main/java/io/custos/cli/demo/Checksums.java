package io.custos.cli.demo;

/**
 * The check digits the sample data carries: GB 11643 resident ID numbers (ISO 7064 MOD 11-2) and the Luhn digit of
 * bank card numbers.
 */
public final class Checksums {
    private static final int[] RESIDENT_ID_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final String RESIDENT_ID_CHECK_CHARACTERS = "10X98765432";

    private Checksums() {}

    /** The 18th character of a resident ID number whose first 17 digits are {@code body}. */
    public static char residentIdCheckCharacter(String body) {
        if (body.length() != 17 || !isDigits(body)) {
            throw new IllegalArgumentException("body: '" + body + "' (expected: 17 digits)");
        }
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (body.charAt(i) - '0') * RESIDENT_ID_WEIGHTS[i];
        }
        return RESIDENT_ID_CHECK_CHARACTERS.charAt(sum % 11);
    }

    /** Whether {@code number} is 17 digits followed by the right check character. */
    public static boolean isValidResidentId(String number) {
        if (number == null || number.length() != 18) {
            return false;
        }
        String body = number.substring(0, 17);
        return isDigits(body) && residentIdCheckCharacter(body) == number.charAt(17);
    }

    /** The digit that, appended to {@code payload}, makes the whole number pass the Luhn check. */
    public static char luhnCheckDigit(String payload) {
        if (payload.isEmpty() || !isDigits(payload)) {
            throw new IllegalArgumentException("payload: '" + payload + "' (expected: digits)");
        }
        int sum = luhnSum(payload, true);
        return (char) ('0' + (10 - sum % 10) % 10);
    }

    /** Whether {@code number} (digits only, at least two) passes the Luhn check. */
    public static boolean passesLuhn(String number) {
        if (number == null || number.length() < 2 || !isDigits(number)) {
            return false;
        }
        return luhnSum(number, false) % 10 == 0;
    }

    /** Sums the digits from the right, doubling every second one; the rightmost is doubled when a digit is to come. */
    private static int luhnSum(String digits, boolean doubleRightmost) {
        int sum = 0;
        boolean doubled = doubleRightmost;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int digit = digits.charAt(i) - '0';
            if (doubled) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
            doubled = !doubled;
        }
        return sum;
    }

    private static boolean isDigits(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
