package io.custos.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.custos.cli.demo.SampleData.Customer;
import io.custos.cli.demo.SampleData.CustomerBank;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SampleDataTest {
    private static final SampleData DATA = SampleData.generate();

    @Test
    void generate_sameSeedGivesSameRows() {
        SampleData again = SampleData.generate(SampleData.DEFAULT_CUSTOMERS, SampleData.DEFAULT_SEED);

        assertThat(again.projects()).isEqualTo(DATA.projects());
        assertThat(again.customers()).isEqualTo(DATA.customers());
        assertThat(again.assets()).isEqualTo(DATA.assets());
        assertThat(again.banks()).isEqualTo(DATA.banks());
        assertThat(again.tickets()).isEqualTo(DATA.tickets());
    }

    @Test
    void generate_otherSeedGivesOtherRows() {
        SampleData other = SampleData.generate(100, SampleData.DEFAULT_SEED + 1);

        assertThat(other.customers())
                .doesNotContainAnyElementsOf(DATA.customers().subList(0, 100));
    }

    /** Pins the output of the default seed: tests elsewhere may rely on these values across machines and runs. */
    @Test
    void generate_defaultSeedFirstCustomerIsStable() {
        assertThat(DATA.customer(1))
                .isEqualTo(new Customer(
                        1,
                        17,
                        "杨海宇",
                        "110101200103208917",
                        "13225389641",
                        "北京市朝阳区解放路126号5栋4单元1204室",
                        "北京信博贸易有限公司",
                        LocalDateTime.of(2023, 2, 19, 10, 3, 56)));
        assertThat(DATA.banks().get(0))
                .isEqualTo(new CustomerBank(
                        1, "招商银行", "6217158899265334473", "6258350070135186", "基金 164.58 万元；银行理财 165.34 万元"));
        assertThat(DATA.tickets()).hasSize(5908);
    }

    @Test
    void generate_counts() {
        assertThat(DATA.projects()).hasSize(SampleData.PROJECT_COUNT);
        assertThat(DATA.customers()).hasSize(3000);
        assertThat(DATA.assets()).hasSize(3000);
        assertThat(DATA.banks()).hasSize(3000);
        assertThat(DATA.tickets()).hasSizeBetween(5400, 6600);
        assertThat(SampleData.generate(0).customers()).isEmpty();
    }

    @Test
    void generate_idsAreDenseAndReferencesResolve() {
        for (int i = 0; i < DATA.customers().size(); i++) {
            Customer customer = DATA.customers().get(i);
            assertThat(customer.id()).isEqualTo(i + 1);
            assertThat(customer.projectId()).isBetween(1L, (long) SampleData.PROJECT_COUNT);
            assertThat(DATA.assets().get(i).customerId()).isEqualTo(customer.id());
            assertThat(DATA.banks().get(i).customerId()).isEqualTo(customer.id());
        }
        for (int i = 0; i < DATA.tickets().size(); i++) {
            assertThat(DATA.tickets().get(i).id()).isEqualTo(i + 1);
            assertThat(DATA.tickets().get(i).customerId()).isBetween(1L, 3000L);
        }
    }

    @Test
    void residentIds_areValidUniqueAndCarryAPlausibleBirthDate() {
        Set<String> numbers = DATA.customers().stream().map(Customer::idCardNo).collect(Collectors.toSet());

        assertThat(numbers).hasSize(DATA.customers().size());
        assertThat(numbers).allSatisfy(number -> {
            assertThat(Checksums.isValidResidentId(number)).as(number).isTrue();
            LocalDate birth = LocalDate.parse(number.substring(6, 14), DateTimeFormatter.BASIC_ISO_DATE);
            assertThat(birth.getYear()).isBetween(1955, 2003);
        });
    }

    @Test
    void mobiles_areElevenDigitsWithMainlandPrefixAndUnique() {
        Set<String> mobiles = DATA.customers().stream().map(Customer::mobile).collect(Collectors.toSet());

        assertThat(mobiles).hasSize(DATA.customers().size());
        assertThat(mobiles).allMatch(mobile -> mobile.matches("1[3-9][0-9]{9}"));
    }

    @Test
    void bankNumbers_passLuhnAndFitTheirColumns() {
        assertThat(DATA.banks()).allSatisfy(bank -> {
            assertThat(bank.accountNo()).hasSize(19).matches(Checksums::passesLuhn);
            assertThat(bank.creditCardNo()).hasSize(16).matches(Checksums::passesLuhn);
        });
    }

    @Test
    void textColumns_fitTheirDeclaredLengths() {
        assertThat(DATA.projects())
                .allSatisfy(project -> assertThat(project.name().length()).isLessThanOrEqualTo(100));
        assertThat(DATA.customers()).allSatisfy(customer -> {
            assertThat(customer.name().length()).isBetween(2, 40);
            assertThat(customer.homeAddress().length()).isLessThanOrEqualTo(200);
            if (customer.employer() != null) {
                assertThat(customer.employer().length()).isLessThanOrEqualTo(100);
            }
        });
        assertThat(DATA.customers()).anyMatch(customer -> customer.employer() == null);
        assertThat(DATA.tickets()).allSatisfy(ticket -> {
            assertThat(ticket.category().length()).isLessThanOrEqualTo(30);
            assertThat(ticket.status().length()).isLessThanOrEqualTo(20);
            assertThat(ticket.content()).doesNotContain("\t", "\n");
        });
    }

    @Test
    void assets_haveTwoDecimalsWithinNumericPrecision() {
        BigDecimal limit = new BigDecimal("999999999999.99");
        assertThat(DATA.assets()).allSatisfy(asset -> {
            assertThat(asset.propertyValue().scale()).isEqualTo(2);
            assertThat(asset.propertyValue()).isPositive().isLessThanOrEqualTo(limit);
            assertThat(asset.annualIncome().scale()).isEqualTo(2);
            assertThat(asset.annualIncome()).isPositive().isLessThanOrEqualTo(limit);
            assertThat(asset.vehicleCount()).isBetween(0, 3);
        });
    }

    @Test
    void postgresSchemaStatements_createFiveTablesAndTheirIndexes() {
        assertThat(SampleData.postgresSchemaStatements())
                .hasSize(7)
                .filteredOn(statement -> statement.startsWith("CREATE TABLE"))
                .extracting(statement -> statement.split("\\s+")[2])
                .containsExactly("project", "customer", "customer_asset", "customer_bank", "service_ticket");
    }

    @Test
    void mysqlSchemaStatements_createTheSameFiveTablesWithInnoDbAndUtf8mb4() {
        assertThat(SampleData.mysqlSchemaStatements())
                .hasSize(5)
                .allSatisfy(statement -> assertThat(statement)
                        .startsWith("CREATE TABLE")
                        .endsWith("ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin"))
                .extracting(statement -> statement.split("\\s+")[2])
                .containsExactly("project", "customer", "customer_asset", "customer_bank", "service_ticket");
    }

    @Test
    void generate_rejectsNegativeCount() {
        assertThatThrownBy(() -> SampleData.generate(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("customerCount: -1 (expected: >= 0)");
    }
}
