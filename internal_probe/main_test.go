package probe
import (
 _ "github.com/segmentio/kafka-go"
 _ "github.com/twmb/franz-go/pkg/kfake"
 _ "github.com/twilio/twilio-go"
 _ "github.com/wneessen/go-mail"
 _ "firebase.google.com/go/v4/messaging"
 _ "firebase.google.com/go/v4"
 _ "go.uber.org/zap"
 _ "modernc.org/sqlite"
 _ "github.com/emersion/go-smtp"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
 _ "gopkg.in/yaml.v3"
 _ "github.com/prometheus/client_golang/prometheus/promhttp"
 _ "github.com/schollz/progressbar/v3"
 _ "google.golang.org/api/option"
)
