package io.custos.proxy.postgres;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL's client encodings and the Java charsets that decode them. The gate must read a statement exactly as
 * the server will: in GBK, Big5 or Shift-JIS a trailing byte may be a backslash, and a lexer that decoded the bytes
 * differently could be led to a different split than the server's. Text is therefore decoded strictly, and an
 * encoding without a charset here is not served.
 *
 * @see <a href="https://www.postgresql.org/docs/17/multibyte.html">Character set support</a>
 */
final class PostgresEncodings {
    private static final Map<String, String> CHARSETS = Map.ofEntries(
            Map.entry("UTF8", "UTF-8"),
            // SQL_ASCII means "bytes as they are": ISO-8859-1 maps every byte to one char and back unchanged.
            Map.entry("SQL_ASCII", "ISO-8859-1"),
            Map.entry("LATIN1", "ISO-8859-1"),
            Map.entry("LATIN2", "ISO-8859-2"),
            Map.entry("LATIN9", "ISO-8859-15"),
            Map.entry("WIN1250", "windows-1250"),
            Map.entry("WIN1251", "windows-1251"),
            Map.entry("WIN1252", "windows-1252"),
            Map.entry("GBK", "GBK"),
            Map.entry("GB18030", "GB18030"),
            Map.entry("EUC_CN", "GB2312"),
            Map.entry("BIG5", "Big5"),
            Map.entry("EUC_TW", "x-EUC-TW"),
            Map.entry("SJIS", "windows-31j"),
            Map.entry("EUC_JP", "EUC-JP"),
            Map.entry("EUC_KR", "EUC-KR"),
            Map.entry("UHC", "x-windows-949"));

    private PostgresEncodings() {}

    /** The charset for a server-reported client_encoding name, if the gateway can read it exactly. */
    static Optional<Charset> charset(String encoding) {
        String name = CHARSETS.get(encoding.toUpperCase(Locale.ROOT).replace("-", ""));
        if (name == null || !Charset.isSupported(name)) {
            return Optional.empty();
        }
        return Optional.of(Charset.forName(name));
    }

    /** Decodes, refusing malformed or unmappable bytes rather than replacing them. */
    static String decodeStrictly(ByteBuffer bytes, Charset charset) throws CharacterCodingException {
        CharBuffer chars = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(bytes);
        return chars.toString();
    }

    static Charset defaultCharset() {
        return StandardCharsets.UTF_8;
    }
}
