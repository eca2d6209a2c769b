package dev.saaflink.jobs.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobIdentityTest {

    @Test
    void theSameJobGetsTheSameIdentityOnEveryStart() {
        assertThat(JobIdentity.derive("saa-inspection", "frames", "events", "dl", null, null))
                .isEqualTo(JobIdentity.derive("saa-inspection", "frames", "events", "dl", null, null))
                .matches("saa-inspection-[0-9a-f]{10}");
    }

    @Test
    void anyDifferentNameOrTopicGivesAnotherIdentity() {
        String base = JobIdentity.derive("saa-inspection", "frames", "events", "dl", null, null);
        assertThat(JobIdentity.derive("line-2", "frames", "events", "dl", null, null)).isNotEqualTo(base)
                .startsWith("line-2-");
        assertThat(JobIdentity.derive("saa-inspection", "frames2", "events", "dl", null, null)).isNotEqualTo(base);
        assertThat(JobIdentity.derive("saa-inspection", "frames", "events2", "dl", null, null)).isNotEqualTo(base);
        assertThat(JobIdentity.derive("saa-inspection", "frames", "events", "dl2", null, null)).isNotEqualTo(base);
        assertThat(JobIdentity.derive("saa-inspection", "frames", "events", "dl", "cfg", "dl")).isNotEqualTo(base);
        // where one topic name ends and the next begins matters
        assertThat(JobIdentity.derive("saa-inspection", "fr", "ames", "dl", null, null))
                .isNotEqualTo(JobIdentity.derive("saa-inspection", "fra", "mes", "dl", null, null));
    }
}
