# Processkarta: one static binary on a minimal image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/processkarta ./cmd/processkarta \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/processkarta /processkarta
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV PROCESSKARTA_ADDR=:8080 PROCESSKARTA_DATA=/data
USER nonroot:nonroot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["/processkarta", "-healthcheck"]
ENTRYPOINT ["/processkarta"]
