(
    constnet::layers::Conv::from_weights([[[-0.3891602, -0.2945651]], [[-0.7956539, 0.65412134]]], [0.0, 0.0]),
    constnet::layers::MaxPool1d,
    constnet::layers::Flatten,
)
