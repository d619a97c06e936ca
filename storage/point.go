package storage

// Point is a place on the map.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}
