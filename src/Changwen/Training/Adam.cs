using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Changwen.Training;

/// <summary>
/// TorchSharp's Adam — its options, its state, its checkpoint format and its arithmetic, operation for operation —
/// with a step that keeps the numbers it hands to libtorch alive until libtorch has read them.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>Adam.step</c> passes <c>beta1</c>, <c>1 - beta1</c>, the bias corrections and the step size as
/// Scalars converted implicitly from doubles. Nothing references such a Scalar once its native handle is passed, so a
/// garbage collection during the native call (any other thread that allocates can trigger one) lets the finalizer
/// thread free the value libtorch is reading; libtorch then stops with "Expected false to be true" in
/// <c>Scalar::toFloat</c>. That aborted two long chinanews runs; <c>bench scalar-race</c> reproduces it in seconds
/// and shows this step surviving (docs/benchmarks.md). Here every Scalar is made with <c>using</c>, so it lives
/// until the end of its scope and is freed at once, on this thread. Upstream: dotnet/TorchSharp#1434 and #1496
/// (open). Drop this class when TorchSharp's own step disposes its Scalars.
/// The class is called Adam because TorchSharp writes the optimizer's type name into the saved state and checks it
/// on loading: checkpoints written with TorchSharp's Adam resume with this one, and the other way round.
/// </remarks>
public sealed class Adam : TorchSharp.Modules.Adam
{
    public Adam(IEnumerable<Parameter> parameters, double lr) : base(parameters, lr) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var options = group.Options;
        if (options.amsgrad == true || options.maximize == true || options.weight_decay is not (null or 0.0))
            throw new NotSupportedException("Changwen's Adam step implements Adam without amsgrad, maximize or weight decay");
        var (beta1, beta2) = (options.beta1!.Value, options.beta2!.Value);
        using var beta1Scalar = beta1.ToScalar();
        using var beta2Scalar = beta2.ToScalar();
        using var oneMinusBeta1 = (1 - beta1).ToScalar();
        using var oneMinusBeta2 = (1 - beta2).ToScalar();
        using var eps = options.eps!.Value.ToScalar();
        foreach (var param in group.Parameters)
        {
            var state = (State)_state[param.Handle];
            var grad = param.grad;
            if (grad is null) continue;
            state.step += 1;
            var biasCorrection1 = 1 - Math.Pow(beta1, state.step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.step);
            state.exp_avg.mul_(beta1Scalar).add_(grad, alpha: oneMinusBeta1);
            state.exp_avg_sq.mul_(beta2Scalar).addcmul_(grad, grad.conj(), value: oneMinusBeta2);
            using var sqrtBiasCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            // add_(Scalar) alone would make an alpha of 1 internally, a Scalar of TorchSharp's own: pass it.
            var denom = state.exp_avg_sq.sqrt().div(sqrtBiasCorrection2).add_(eps, Models.Scalars.One);
            using var minusStepSize = (-(options.LearningRate!.Value / biasCorrection1)).ToScalar();
            param.addcdiv_(state.exp_avg, denom, value: minusStepSize);
        }
    }, closure);
}
