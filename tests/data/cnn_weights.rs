(
    constnet::layers::Conv::from_weights([[[[0.50880986, 0.43341], [0.6564834, 0.14597179]]], [[[-0.3360594, 0.30148953], [-0.52294445, -0.67797446]]]], [0.0, 0.0]),
    constnet::layers::BatchNorm2d::from_parts([1.0, 1.0], [0.0, 0.0], [0.022898858, -0.01621579], [0.91200894, 0.91570526], 1e-5, 0.1),
    constnet::layers::Relu,
    constnet::layers::MaxPool2d,
    constnet::layers::AvgPool2d,
    constnet::layers::Flatten,
    constnet::layers::Residual::new((
    constnet::layers::Dense::from_weights([[0.7078109, -0.2603128], [0.4120961, -0.33397746]], [0.0, 0.0]),
    constnet::layers::Tanh,
)),
)
