package health

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/rcp/reliability/pkg/store/storetest"
)

func TestCheck(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			res := Check(context.Background(), s, nil)
			if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, b.Name) || !strings.Contains(res.Message, "schema v2") {
				t.Fatalf("%v %q", res.Status, res.Message)
			}
			_ = s.Close()
			res = Check(context.Background(), s, nil)
			if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, b.Name) {
				t.Fatalf("closed store: %v %q", res.Status, res.Message)
			}
		})
	}
	res := Check(context.Background(), nil, errors.New("disk full"))
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "disk full") {
		t.Fatalf("%v %q", res.Status, res.Message)
	}
}
