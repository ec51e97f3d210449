package scheduler_test

import "net/http"

// routerFunc serves through the router current at each request.
func routerFunc(s *swappable) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.get().ServeHTTP(w, r) })
}
