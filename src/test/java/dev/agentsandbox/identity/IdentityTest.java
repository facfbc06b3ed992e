package dev.agentsandbox.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityTest {
    @ParameterizedTest
    @ValueSource(strings = {"bob", "BOB", "Bob", " bob", "bob ", "\u3000bob", "ｂｏｂ", "ＢＯＢ", "bob\u00a0"})
    void oneNameInEveryFormIsOnePerson(String raw) throws Exception {
        assertThat(Identity.of(raw).id()).isEqualTo("bob");
    }

    @Test
    void innerWhiteSpaceIsOneSpaceAndCaseFoldingIsUnicodes() throws Exception {
        assertThat(Identity.of("Ann  \u2003Smith").id()).isEqualTo("ann smith");
        assertThat(Identity.of("STRASSE").id()).isEqualTo(Identity.of("straße").id());
        assertThat(Identity.of("ＡＬＩＣＥ").normalised()).isTrue();
        assertThat(Identity.of("alice").normalised()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob\u200b", "\u200dbob", "bo\u00adb", "bob\u2060", "bob\u2061", "bob\u2064", "bob\u034f", "bob\ufe0f",
        "\u115fbob", "\u1160bob", "\u3164", "bob\u3164", "bob\uffa0", "bob\udb40\udc01", "bob\u202e", "bob\ufeff"})
    void invisibleAndFormatCharactersAreRefused(String raw) {
        assertThatThrownBy(() -> Identity.of(raw)).isInstanceOf(InvalidIdentityException.class)
                .hasMessageMatching("the name holds an? (invisible|format) character .*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob\nReviewed-by: ceo", "bob\r", "bob\u2028x", "bob\u0085", "bob\tx", "bob\u0000", "bob\ue000"})
    void lineBreaksControlsAndPrivateUseAreRefused(String raw) {
        assertThatThrownBy(() -> Identity.of(raw)).isInstanceOf(InvalidIdentityException.class);
    }

    @Test
    void emptyBlankAndHugeNamesAreRefused() {
        assertThatThrownBy(() -> Identity.of(null)).hasMessage("a name is needed");
        assertThatThrownBy(() -> Identity.of(" \u3000 ")).hasMessage("a name is needed");
        assertThatThrownBy(() -> Identity.of("a".repeat(Identity.MAX_LENGTH + 1))).hasMessageContaining("longer than");
        assertThat(Identity.idOrNull("bob\u200b")).isNull();
        assertThat(Identity.same("Bob", "ｂｏｂ")).isTrue();
        assertThat(Identity.same("bob", "bob\u200b")).isFalse();
    }
}
