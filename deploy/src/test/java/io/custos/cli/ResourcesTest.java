package io.custos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourcesTest {
    private final List<String> closed = new ArrayList<>();

    @Test
    void close_closesInReverseOrderOnce() {
        Resources resources = new Resources();
        resources.add(named("database"));
        resources.add(named("gateway"));

        resources.close();
        resources.close();

        assertThat(closed).containsExactly("gateway", "database");
    }

    @Test
    void close_goesOnAfterAFailure() {
        Resources resources = new Resources();
        resources.add(named("database"));
        resources.add(() -> {
            throw new IllegalStateException("boom");
        });

        resources.close();

        assertThat(closed).containsExactly("database");
    }

    @Test
    void add_afterCloseClosesAtOnce() {
        Resources resources = new Resources();
        resources.close();

        assertThatThrownBy(() -> resources.add(named("late")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Shutting down");
        assertThat(closed).containsExactly("late");
    }

    private AutoCloseable named(String name) {
        return () -> closed.add(name);
    }
}
