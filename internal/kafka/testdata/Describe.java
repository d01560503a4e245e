import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/** Describes a topic with the Java admin client, as kafka-topics.sh --describe does. */
public class Describe {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        try (Admin admin = Admin.create(p)) {
            TopicDescription d = admin.describeTopics(List.of("described")).allTopicNames().get().get("described");
            System.out.println("partitions=" + d.partitions().size());
        }
    }
}
