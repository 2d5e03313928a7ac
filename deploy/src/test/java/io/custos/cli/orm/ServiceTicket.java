package io.custos.cli.orm;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.LocalDateTime;

/** A service ticket, which every role but contractor may enter; the database generates its id. */
@Entity
@Table(name = "service_ticket")
public class ServiceTicket {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "customer_id")
    private Long customerId;

    private String category;
    private String content;
    private String status;

    @Column(name = "created_at")
    private LocalDateTime createdAt;

    public ServiceTicket() {}

    public ServiceTicket(Long customerId, String category, String content, String status, LocalDateTime createdAt) {
        this.customerId = customerId;
        this.category = category;
        this.content = content;
        this.status = status;
        this.createdAt = createdAt;
    }

    public Long getId() {
        return id;
    }

    public void setId(Long id) {
        this.id = id;
    }

    public Long getCustomerId() {
        return customerId;
    }

    public String getCategory() {
        return category;
    }

    public String getContent() {
        return content;
    }

    public String getStatus() {
        return status;
    }

    public LocalDateTime getCreatedAt() {
        return createdAt;
    }
}
