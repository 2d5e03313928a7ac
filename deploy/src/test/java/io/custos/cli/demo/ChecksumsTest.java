package io.custos.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChecksumsTest {
    @ParameterizedTest
    @CsvSource({
        "11010519491231002, X", // the worked example of GB 11643
        "44030519850412003, 8",
        "11010120010320891, 7",
        "31010419700101001, 2"
    })
    void residentIdCheckCharacter_followsMod112(String body, char expected) {
        assertThat(Checksums.residentIdCheckCharacter(body)).isEqualTo(expected);
        assertThat(Checksums.isValidResidentId(body + expected)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"110105194912310021", "11010519491231002", "1101051949123100XX", "A1010519491231002X", ""})
    void isValidResidentId_rejectsWrongCheckOrShape(String number) {
        assertThat(Checksums.isValidResidentId(number)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1101051949123100", "110105194912310021", "1101051949123100A"})
    void residentIdCheckCharacter_needsSeventeenDigits(String body) {
        assertThatThrownBy(() -> Checksums.residentIdCheckCharacter(body))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 17 digits");
    }

    @ParameterizedTest
    @CsvSource({"7992739871, 3", "411111111111111, 1", "625835007013518, 6", "0, 0", "1, 8"})
    void luhnCheckDigit_completesNumber(String payload, char expected) {
        assertThat(Checksums.luhnCheckDigit(payload)).isEqualTo(expected);
        assertThat(Checksums.passesLuhn(payload + expected)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"79927398710", "4111111111111112", "6258350070135187", "7", "", "41111111111111a1"})
    void passesLuhn_rejectsWrongDigitOrShape(String number) {
        assertThat(Checksums.passesLuhn(number)).isFalse();
    }
}
