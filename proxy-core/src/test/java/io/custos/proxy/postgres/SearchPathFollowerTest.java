package io.custos.proxy.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SearchPathFollowerTest {
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{pg_catalog,public}                    | pg_catalog;public",
                "{pg_temp_3,pg_catalog,e2e_names,public} | pg_temp_3;pg_catalog;e2e_names;public",
                "'{pg_catalog,\"my schema\",\"a\\\"b\",\"c,d\"}' | pg_catalog;my schema;a\"b;c,d",
                "{}                                     | ''",
                "not an array                           | ''",
            })
    void parseArray_readsPostgresArrayText(String text, String expected) {
        List<String> elements = SearchPathFollower.parseArray(text);

        assertThat(String.join(";", elements)).isEqualTo(expected);
    }

    @Test
    void onDataRow_oneColumnAnswer_isThePath() {
        SearchPathFollower follower = new SearchPathFollower();
        follower.asked();
        byte[] value = "{pg_catalog,public}".getBytes(StandardCharsets.UTF_8);
        ByteBuf row = Unpooled.buffer().writeShort(1).writeInt(value.length).writeBytes(value);

        follower.onDataRow(row);

        assertThat(follower.answered()).contains(List.of("pg_catalog", "public"));
        assertThat(follower.asking()).isFalse();
    }

    @Test
    void answered_withoutARow_keepsThePathUnknown() {
        SearchPathFollower follower = new SearchPathFollower();
        follower.asked();

        assertThat(follower.asking()).isTrue();
        assertThat(follower.answered()).isEmpty();
    }
}
