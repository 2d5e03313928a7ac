package io.custos.cli.orm;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicUpdate;

/**
 * Level 3 bank data, masked below clearance 3. Dynamic updates: an entity loaded by a caller who sees masked values
 * must write back only the columns the caller changed, or a plain update would store the masks.
 */
@Entity
@Table(name = "customer_bank")
@DynamicUpdate
public class CustomerBank {
    @Id
    @Column(name = "customer_id")
    private Long customerId;

    @Column(name = "bank_name")
    private String bankName;

    @Column(name = "account_no")
    private String accountNo;

    @Column(name = "credit_card_no")
    private String creditCardNo;

    @Column(name = "investment_summary")
    private String investmentSummary;

    public Long getCustomerId() {
        return customerId;
    }

    public String getBankName() {
        return bankName;
    }

    public void setBankName(String bankName) {
        this.bankName = bankName;
    }

    public String getAccountNo() {
        return accountNo;
    }

    public String getCreditCardNo() {
        return creditCardNo;
    }

    public String getInvestmentSummary() {
        return investmentSummary;
    }
}
