// Reference server for the web-mode benchmark: the service's three hot routes written with nothing
// but Go's standard library (only the distribution's Go toolchain reaches the build machines, so no
// modules can be fetched). It stores records in memory behind a mutex, where the service writes to
// PostgreSQL, so the POST /store comparison is indicative only. It logs nothing: the service's
// per-request log line is part of the cost the comparison is meant to show.
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
)

// The service's body limit, so both servers read and validate the same amount of input.
const maxBody = 64 << 10

type store struct {
	mu      sync.Mutex
	records map[string]json.RawMessage
}

func (s *store) put(id string, record json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records[id] = record
}

// A random (version 4) UUID, the service's record id, so both servers do the same work per record.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func text(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func jsonBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func main() {
	s := &store{records: make(map[string]json.RawMessage)}
	mux := http.NewServeMux()
	// Go 1.19's ServeMux has no method patterns; "/" is its catch-all, hence the exact path check.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" || r.Method != http.MethodGet {
			jsonBody(w, http.StatusNotFound, `{"error":"not_found"}`)
			return
		}
		text(w, http.StatusOK, "Hello, DevOps!")
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusOK, "healthy")
	})
	mux.HandleFunc("/store", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			jsonBody(w, http.StatusNotFound, `{"error":"not_found"}`)
			return
		}
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			jsonBody(w, http.StatusRequestEntityTooLarge, `{"error":"too_large"}`)
			return
		}
		// Parsed, not just copied: the service validates that the body is a JSON object too.
		var record map[string]any
		if json.Unmarshal(raw, &record) != nil {
			jsonBody(w, http.StatusBadRequest, `{"error":"malformed_json"}`)
			return
		}
		id := newID()
		s.put(id, raw)
		w.Header().Set("Location", "/store/"+id)
		jsonBody(w, http.StatusCreated, `{"id":"`+id+`"}`)
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}
